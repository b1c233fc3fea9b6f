"""The feed registry: one YAML file per department feed (config/feeds/README.md)."""

from canbao.registry.loader import Feed, RegistryError, get_feed, load_registry

__all__ = ["Feed", "RegistryError", "get_feed", "load_registry"]
