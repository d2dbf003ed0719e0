"""Road networks: the array form every analysis runs on, its readers, speeds and snapping.

The bottom layer of ``geo``. ``core`` holds :class:`Network` (CSR adjacency per travel mode);
``readers`` builds one from OSM (PBF, XML), GraphML or a GeoDataFrame of lines; ``osm`` holds the
OSM tag rules and the pyosmium PBF reader; ``speeds`` turns road classes into travel times;
``snap`` attaches points to their nearest usable node.
"""

from geo.network.core import (
    DRIVE as DRIVE,
)
from geo.network.core import (
    DRIVE_HIGHWAYS as DRIVE_HIGHWAYS,
)
from geo.network.core import (
    REAL_SOURCE as REAL_SOURCE,
)
from geo.network.core import (
    SYNTHETIC_SOURCE as SYNTHETIC_SOURCE,
)
from geo.network.core import (
    WALK as WALK,
)
from geo.network.core import (
    WALK_HIGHWAYS as WALK_HIGHWAYS,
)
from geo.network.core import (
    Network as Network,
)
from geo.network.core import (
    assemble_network as assemble_network,
)
from geo.network.core import (
    default_access as default_access,
)
from geo.network.core import (
    encode_classes as encode_classes,
)
from geo.network.core import (
    encode_sources as encode_sources,
)
from geo.network.core import (
    mode_bit as mode_bit,
)
from geo.network.core import (
    network_from_arrays as network_from_arrays,
)
