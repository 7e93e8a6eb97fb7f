import sys

try:
    from harness.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while importing: before main() installs its handler
    print("interrupted while starting: nothing was written", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
