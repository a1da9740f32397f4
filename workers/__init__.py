"""arq workers: deadlines, the year-end cut-off, GOC uploads, email."""
