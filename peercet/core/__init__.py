"""The platform: database and tables, settings, clock, Redis keys, signing, errors,
the audit log, quotas, the one publish path, and what a client may write.

Owns no domain rule; imports nothing else of the project.
"""
