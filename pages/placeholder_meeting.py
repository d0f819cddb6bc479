"""季度汇报 (placeholder until its issue lands)."""

from gydash import ui

ui.route_through_app()

ui.under_construction("季度汇报", "演示模式和会议材料（PPTX/PDF）将在后续版本提供。")
