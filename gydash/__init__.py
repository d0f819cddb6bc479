"""gydash: progress dashboard for Guangyuan's 2024 plan on party-led science and technology innovation."""
