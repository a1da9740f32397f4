"""The live discussion: messages in `seq` order, taking part, dual validation."""
