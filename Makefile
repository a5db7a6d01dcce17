# The two commands a newcomer needs.
.PHONY: run test

# run starts the example server on http://127.0.0.1:3000.
run:
	cd examples && go run ./testserver

# test installs what the tests need and runs every test of every module.
test:
	bash scripts/test.sh
