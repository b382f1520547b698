"""Web chat entry point: `python app.py` serves the chat on http://127.0.0.1:7860.

Settings come from QA_* environment variables (see README), e.g.
QA_PORT=8000 QA_GENERATOR_MODEL=packaged:smollm2-135m-instruct python app.py
"""

import logging
import sys

from qa.app.server import serve
from qa.config import load_settings
from qa.errors import QAError

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        serve(load_settings(), share="--share" in sys.argv[1:])
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
