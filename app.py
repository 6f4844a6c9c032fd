"""Hugging Face Space entry point (``app_file: app.py``): the optical-clir explorer, as ``python -m explorer``.

A Space routes its public port to 0.0.0.0:7860 inside the container, so the explorer binds there; run locally, use
``python -m explorer`` instead, which binds 127.0.0.1.
"""

import os
import sys

from explorer.app import main

if __name__ == "__main__":
    sys.exit(main(["--host", "0.0.0.0", "--port", os.environ.get("PORT", "7860")]))
