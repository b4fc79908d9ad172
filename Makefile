# The two commands of the README, for those who type make.
.PHONY: run test
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
