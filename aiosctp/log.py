"""The library's logger, in the manner of asyncio's: ``logging.getLogger("aiosctp")``.

What it says: associations coming up and going (DEBUG), how they ended when
not in order (aborts, losses, with their causes: INFO), what was not
delivered (one line per association that ended with data lost, with counts:
WARNING), peer path changes (failover: INFO, an unreachable path: WARNING).
Nothing is logged per message."""

import logging

logger = logging.getLogger("aiosctp")
