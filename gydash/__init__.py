"""gydash: progress dashboard for Guangyuan's 2024 plan on party-led science and technology innovation."""

from gydash.base import allocators

allocators.configure()  # first, before anything in gydash imports polars
