"""``python -m aiosctp_sandbox -- CMD ARGS...``"""

import sys

from .sandbox import main

sys.exit(main())
