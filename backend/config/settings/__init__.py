"""Settings, split by concern. Every value comes from the environment with a safe local default."""

from .api import *  # noqa: F403
from .base import *  # noqa: F403
from .console import *  # noqa: F403
from .contractors import *  # noqa: F403
from .database import *  # noqa: F403
from .frontend import *  # noqa: F403
from .limits import *  # noqa: F403
from .logging import *  # noqa: F403
from .meldpunt import *  # noqa: F403
from .notifications import *  # noqa: F403
from .redis import *  # noqa: F403
from .security import *  # noqa: F403
from .storage import *  # noqa: F403
