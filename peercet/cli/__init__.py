"""The `peercet` command and the demo data it loads. May import every package."""
