"""clinic-handouts: accessible PDF, EPUB and HTML patient handouts from structured content."""
__version__ = "0.1.0"
