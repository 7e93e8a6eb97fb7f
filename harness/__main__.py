import sys

try:
    from harness.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while importing, where harness/__init__.py's start-up handler is not installed
    from harness.cli.signals import STARTING

    print(STARTING, file=sys.stderr)
    sys.exit(130)

sys.exit(main())
