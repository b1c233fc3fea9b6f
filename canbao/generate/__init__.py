"""The synthetic city (`canbao generate`): departments' deliveries with known planted problems, and the truth."""

from canbao.generate.city import DEFAULT_AS_OF, generate_city

__all__ = ["generate_city", "DEFAULT_AS_OF"]
