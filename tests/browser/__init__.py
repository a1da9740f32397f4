"""Real headless Chromium through the pages."""
