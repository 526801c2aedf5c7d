"""describe's writing machinery (staging/src/k8s.io/kubectl/pkg/describe/describe.go): Go's text/tabwriter, the
PrefixWriter the describers write `Label:\tvalue` lines through, and the formatters every describer shares.

text/tabwriter (minwidth 0, padding 2) aligns each run of consecutive lines that share a column; `tabwriter` below
is a port of that algorithm, so the spacing is kubectl's own. Ages come from the cluster's virtual clock.
"""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction

from ..objects import EPOCH, human_age, parse_timestamp

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140


# --- text/tabwriter and the PrefixWriter ----------------------------------------------------------------------

def tabwriter(text: str, padding: int = 2) -> str:
    """Go's text/tabwriter (minwidth 0, padchar ' ', no flags): tab-terminated cells are padded so that each
    column is as wide as its widest cell plus `padding`, column by column over blocks of adjacent lines."""
    *complete, tail = text.split("\n")
    lines = [line.split("\t") for line in complete]
    out: list[str] = []
    _format(lines, [], 0, len(lines), padding, out)
    return "".join(out) + tail


def _format(lines: list[list[str]], widths: list[int], line0: int, line1: int, padding: int,
            out: list[str]) -> None:
    """tabwriter.Writer.format: find each block of lines with a cell in this column, size it, recurse right."""
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        _write_lines(lines, widths, line0, this, out)
        line0 = this
        width = 0
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + padding)
            this += 1
        widths.append(width)
        _format(lines, widths, line0, this, padding, out)
        widths.pop()
        line0 = this
    _write_lines(lines, widths, line0, line1, out)


def _write_lines(lines: list[list[str]], widths: list[int], line0: int, line1: int, out: list[str]) -> None:
    """tabwriter.Writer.writeLines: every cell left-aligned and padded to its column; the last cell is not."""
    for line in lines[line0:line1]:
        for j, cell in enumerate(line):
            out.append(cell.ljust(widths[j]) if j < len(widths) else cell)
        out.append("\n")


class PrefixWriter:
    """describe.PrefixWriter over a tabwriter: `write(level, text)` indents two spaces per level."""

    def __init__(self, tabbed: bool = True):
        self.tabbed = tabbed
        self._out: list[str] = []
        self._buf: list[str] = []

    def write(self, level: int, text: str) -> None:
        """PrefixWriter.Write: the text, indented two spaces per level."""
        self._buf.append("  " * level + text)

    def write_line(self, text: str = "") -> None:
        """PrefixWriter.WriteLine: the text and a newline, not indented."""
        self._buf.append(text + "\n")

    def flush(self) -> None:
        """tabwriter.Flush: align what is buffered so far; later lines start new column blocks."""
        text = "".join(self._buf)
        self._out.append(tabwriter(text) if self.tabbed else text)
        self._buf = []

    def string(self) -> str:
        """Everything written, aligned (tabbedString)."""
        self.flush()
        return "".join(self._out)


# --- small formatters -------------------------------------------------------------------------------------------

def rfc1123z(ts: str | None) -> str:
    """time.RFC1123Z, as describe prints every timestamp: `Thu, 01 Jan 2026 00:00:05 +0000`."""
    if not ts:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    t = EPOCH + _dt.timedelta(seconds=parse_timestamp(ts))
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def since(ts: str | None, now: float) -> str:
    """translateTimestampSince: a HumanDuration age, `<unknown>` for a zero time."""
    return human_age(now - parse_timestamp(ts)) if ts else "<unknown>"


def quantity_string(value: Fraction, binary: bool) -> str:
    """resource.Quantity.String for a sum: canonical suffix (Mi/Gi for binary, m for milli values)."""
    if value == 0:
        return "0"
    if value.denominator != 1:
        milli = value * 1000
        return f"{-((-milli.numerator) // milli.denominator)}m"
    n = int(value)
    units = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)) if binary \
        else (("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3))
    for suffix, size in units:
        if n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


def print_labels_multiline(w: PrefixWriter, title: str, labels: dict | None, initial: str = "") -> None:
    """printLabelsMultilineWithIndent: `title:\\tk=v`, later keys on their own lines under the first."""
    w.write(0, f"{initial}{title}:\t")
    if not labels:
        w.write_line("<none>")
        return
    for i, key in enumerate(sorted(labels)):
        if i:
            w.write(0, initial + "\t")
        w.write(0, f"{key}={labels[key]}\n")


def print_annotations_multiline(w: PrefixWriter, title: str, annotations: dict | None) -> None:
    """printAnnotationsMultiline: last-applied-configuration is skipped; long values fold and shorten."""
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k != LAST_APPLIED)
    if not keys:
        w.write_line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = str(annotations[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for s in value.split("\n"):
                short = s[:MAX_ANNOTATION_LEN - 2] + "..." if len(s) > MAX_ANNOTATION_LEN - 2 else s
                w.write(0, f"\t  {short}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def print_tolerations_multiline(w: PrefixWriter, title: str, tolerations: list | None) -> None:
    """printTolerationsMultilineWithIndent: `key=value:Effect op=Exists for 300s`, sorted by key."""
    w.write(0, f"{title}:\t")
    if not tolerations:
        w.write_line("<none>")
        return
    for i, t in enumerate(sorted(tolerations, key=lambda t: t.get("key", ""))):
        if i:
            w.write(0, "\t")
        text = t.get("key", "")
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists" if t.get("key") or t.get("effect") else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.write(0, text + "\n")


def print_taints_multiline(w: PrefixWriter, title: str, taints: list | None) -> None:
    """printTaintsMultilineWithIndent: `key=value:Effect`, sorted by effect then key."""
    w.write(0, f"{title}:\t")
    if not taints:
        w.write_line("<none>")
        return
    for i, t in enumerate(sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")):
        if i:
            w.write(0, "\t")
        value = f"={t['value']}" if t.get("value") else ""
        w.write(0, f"{t.get('key', '')}{value}:{t.get('effect', '')}\n")



# --- events -----------------------------------------------------------------------------------------------------

def _event_time(e: dict) -> float:
    """SortableEvents' eventTime (kubectl/pkg/util/event): a series' lastObservedTime, else lastTimestamp, else
    eventTime (the events.k8s.io API sets only that)."""
    when = (e.get("series") or {}).get("lastObservedTime") or e.get("lastTimestamp") or e.get("eventTime")
    return parse_timestamp(when) if when else float("-inf")


def describe_events(events: list[dict], w: PrefixWriter, now: float) -> None:
    """DescribeEvents: a Type/Reason/Age/From/Message table sorted by SortableEvents, `(x3 over 2m)` for repeats."""
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in sorted(events, key=_event_time):
        first = since(e.get("eventTime"), now) if e.get("eventTime") else since(e.get("firstTimestamp"), now)
        series = e.get("series")
        if series:
            interval = f"{since(series.get('lastObservedTime'), now)} (x{series.get('count')} over {first})"
        elif (e.get("count") or 0) > 1:
            interval = f"{since(e.get('lastTimestamp'), now)} (x{e['count']} over {first})"
        else:
            interval = first
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent", "")
        message = str(e.get("message", "")).strip()
        field_path = (e.get("involvedObject") or {}).get("fieldPath")
        if field_path:
            message = f"{field_path}: {message}"
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t{source}\t{message}\n")



__all__ = ["LAST_APPLIED", "PrefixWriter", "describe_events", "print_annotations_multiline", "print_labels_multiline",
           "print_taints_multiline", "print_tolerations_multiline", "quantity_string", "rfc1123z", "since",
           "tabwriter"]
