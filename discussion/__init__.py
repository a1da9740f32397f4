"""The live discussion: frames, taking-part rules, messages and dual validation."""
