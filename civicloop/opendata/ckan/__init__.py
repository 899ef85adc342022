"""The CKAN action API, read-only: ``/api/3/action/<action>`` (and ``/api/action/``, as ckanapi calls it).

Speaks CKAN's dialect so CKAN clients (ckanapi, harvesters, portals) read the catalogue and query the
datastore: GET with query parameters or POST with a JSON body; every answer in CKAN's envelope
``{"help", "success", "result"}``; DomainErrors as CKAN's error objects ("Not Found Error" 404,
"Validation Error" 400 naming the field). Each action parses its parameters, calls the registry,
the selectors or the query engine, and renders.

By responsibility: parameters and the Validation Error (parameters), package dicts (packages), the
catalogue actions (catalogue), datastore_search (datastore_rows), and the actions by name with the view
(actions).
"""

from civicloop.opendata.ckan.actions import ACTIONS, ckan_action, help_show
from civicloop.opendata.ckan.catalogue import (
    SEARCH_ROWS_DEFAULT,
    SEARCH_ROWS_MAX,
    group_list,
    organization_list,
    package_list,
    package_search,
    package_show,
    resource_show,
    status_show,
)
from civicloop.opendata.ckan.datastore_rows import (
    CKAN_TYPES,
    DATASTORE_LIMIT_DEFAULT,
    DATASTORE_LIMIT_MAX,
    _filters,
    datastore_search,
)
from civicloop.opendata.ckan.packages import FORMAT_LABELS, MEDIA_TYPES, ckan_package
from civicloop.opendata.ckan.parameters import CkanValidation

__all__ = [
    "ACTIONS",
    "CKAN_TYPES",
    "DATASTORE_LIMIT_DEFAULT",
    "DATASTORE_LIMIT_MAX",
    "FORMAT_LABELS",
    "MEDIA_TYPES",
    "SEARCH_ROWS_DEFAULT",
    "SEARCH_ROWS_MAX",
    "CkanValidation",
    "_filters",
    "ckan_action",
    "ckan_package",
    "datastore_search",
    "group_list",
    "help_show",
    "organization_list",
    "package_list",
    "package_search",
    "package_show",
    "resource_show",
    "status_show",
]
