# The two commands: `make lab` opens the lessons, `make test` runs every check.
# Extra arguments: make test ARGS="-k etcd"   /   make lab ARGS="--no-browser"
.PHONY: lab test setup bench

lab:
	bash scripts/lab.sh $(ARGS)

test:
	bash scripts/test.sh $(ARGS)

setup:
	bash scripts/setup.sh

# Scale benchmarks (docs/benchmarks.md): cluster scale and scheduler throughput; takes a few minutes.
bench:
	.venv/bin/python benchmarks/scale.py $(ARGS)
