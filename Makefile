# The two commands a newcomer needs.
.PHONY: run test

# run starts the chat example (examples/chat) on http://127.0.0.1:3000,
# after installing the browser bundle it serves (pinned in its package.json).
run:
	cd examples/chat && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund && go run .

# test installs what the tests need and runs every test of every module.
test:
	bash scripts/test.sh
