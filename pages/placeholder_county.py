"""县区对比 (placeholder until its issue lands)."""

from gydash import ui

ui.under_construction("县区对比", "县区排名、分布图和红黑榜将在后续版本提供。")
