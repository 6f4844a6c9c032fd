"""``python -m explorer``: serve the Gradio explorer (see ``python -m explorer --help``)."""

import sys

from explorer.app import main

sys.exit(main())
