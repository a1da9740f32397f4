"""`python -m peercet.cli`."""

from peercet.cli.main import main

raise SystemExit(main())
