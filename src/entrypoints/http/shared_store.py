"""Redis's types, checked without importing Redis: a worker with no ``BYOM_REDIS_URL`` never
loads the client (about 7 MB in every worker), and nothing of Redis's can exist where Redis
was never imported, so an absent module answers "no"."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:
    from litestar.stores.base import Store
    from litestar.stores.redis import RedisStore


def is_shared_store_error(exc: BaseException) -> bool:
    module = sys.modules.get("redis.exceptions")
    return module is not None and isinstance(exc, module.RedisError)


def is_redis_store(store: Store) -> TypeGuard[RedisStore]:
    module = sys.modules.get("litestar.stores.redis")
    return module is not None and isinstance(store, module.RedisStore)
