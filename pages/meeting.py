"""季度汇报: pick a quarter, present it one section per screen, download the pack (PPTX, PDF), see what changed."""

import streamlit as st

from gydash import ui, vega
from gydash.base import fmt
from gydash.meeting import pack, quarter, render, sections

ui.route_through_app()

BULLET_PX = 34  # a target's bar in presenter mode: five targets and their titles fit a 1280×720 screen

d = ui.data()
plan_id = ui.selected_plan(d)

quarters = quarter.available(d, ui.today())
if not quarters:
    st.info("还没有已结束且有数据的季度，无法生成汇报材料。", icon=":material/info:")
    st.stop()
by_label = {quarter.label(q): q for q in quarters}


def on_quarter() -> None:
    """A new quarter starts at its first section and goes into the URL (?quarter=2025Q3), for a shared link."""
    st.session_state["meeting_slide"] = 0
    st.query_params["quarter"] = st.session_state["quarter"]


wanted = st.query_params.get("quarter")
if st.session_state.get("quarter") not in by_label:
    st.session_state["quarter"] = wanted if wanted in by_label else next(iter(by_label))
st.query_params["quarter"] = st.session_state["quarter"]
presenting = st.session_state.get("meeting_mode", "演示模式") == "演示模式"
if not presenting:
    ui.page_header("季度汇报", d)
# Presenter mode: one slim bar (quarter, mode, paging, downloads, menu) so a section fills the rest of the screen.
bar = st.columns([2.2, 2, 1.1, 1.1, 1.6, 1.2, 1.1] if presenting else [2, 2, 3], vertical_alignment="bottom")
label = bar[0].selectbox(
    "季度",
    list(by_label),
    format_func=lambda x: f"{x}（截至 {by_label[x]}）",
    key="quarter",
    on_change=on_quarter,
    label_visibility="collapsed" if presenting else "visible",
)
mode = bar[1].segmented_control(
    "显示",
    ["演示模式", "全部内容"],
    default="演示模式",
    key="meeting_mode",
    required=True,
    label_visibility="collapsed" if presenting else "visible",
)
end = by_label[label]
built = sections.build(d, end, plan_id)


def downloads() -> None:
    try:
        render.font()
    except render.FontMissing as exc:
        st.error(str(exc), icon=":material/font_download_off:")
        return
    for kind, title, mime, icon in (
        ("pptx", "下载 PPT（投影）", pack.PPTX_MIME, ":material/slideshow:"),
        ("pdf", "下载 PDF（存档）", pack.PDF_MIME, ":material/picture_as_pdf:"),
    ):
        st.download_button(
            title,
            data=lambda kind=kind: pack.cached(built, kind),
            file_name=pack.file_name(built, kind),
            mime=mime,
            on_click="ignore",
            icon=icon,
            key=f"meeting_{kind}",
            width="stretch",
        )


if presenting:
    with bar[5].popover("下载", icon=":material/download:", width="stretch"):
        downloads()
    with bar[6].popover("菜单", icon=":material/menu:", width="stretch"):  # the sidebar is hidden while presenting
        ui.menu_links()
else:
    with bar[2]:
        downloads()

about = (
    f"{fmt.md(built.title)} · {fmt.md(built.plan_title)} · 只使用 {end} 及以前的快照，"
    f"按 {built.quarter.today}（季度末次日）判断 · {fmt.md(built.stamp.line())}"
)


def wrapped(node):
    """Chart titles split into two lines at their first double space ('科技型中小企业  512 家 / 目标 500 家  ✓ 完成'
    → name, then figure and status), so a title at projector size stays within its column or a phone's width."""
    if isinstance(node, dict):
        out = {k: (v if k == "datasets" else wrapped(v)) for k, v in node.items()}
        title = out.get("title")
        if isinstance(title, str) and "  " in title:
            out["title"] = title.split("  ", 1)
        elif isinstance(title, dict) and isinstance(title.get("text"), str) and "  " in title["text"]:
            out["title"] = title | {"text": title["text"].split("  ", 1)}
        return out
    if isinstance(node, list):
        return [wrapped(v) for v in node]
    return node


def projected(drawn: dict, key: str) -> dict:
    """The section's chart at projector size (vega.projected: no text under 18 px) and short enough for one screen:
    the target bullets lose their scale (each title says the figure and the target) and get slimmer."""
    if key == "targets":
        drawn = drawn | {"config": drawn.get("config", {}) | {"axisX": {"disable": True}}}
        drawn["vconcat"] = [child | {"height": BULLET_PX} for child in drawn.get("vconcat", [])]
    return vega.projected(drawn)


def show(section: sections.Section, number: int, big: bool) -> None:
    """One section. In presenter mode its notes, the pack's stamp and the figures behind it fold into one expander
    beside the talking points, so the section fits one projector screen with nothing to scroll."""
    heading = f"{number}. {section.title}"
    st.markdown(f"# {heading}" if big else f"### {heading}")
    points = "\n".join(f"- {fmt.md(p)}" for p in section.points)
    side = st.container()
    if section.chart is not None:
        left, side = st.columns([11, 9], gap="large")
        with left:
            drawn = wrapped(section.chart.spec)  # a new dict: the cached spec is not changed
            if big:
                drawn = projected(drawn, section.key)
            ui.chart(drawn, section.chart.data, section.chart.name)
    side.markdown(points)
    if section.note and not big:
        st.caption(section.note)
    with (side if big else st).expander("本页数字与说明" if big else "本页数字"):
        if big:
            st.caption("；".join(x for x in (section.note, about) if x))
        for caption, frame in section.tables:
            st.markdown(f"**{caption}**")
            if frame.is_empty():
                st.caption("无")
            else:
                ui.table(frame)


def change_list() -> None:
    """The full list of changes since the previous quarter (in presenter mode only on its own section)."""
    st.markdown(f"#### 较上季度变化清单（{built.changes.since} → {built.changes.quarter}）")
    table = built.changes.table()
    if not built.changes.compared:
        st.info(f"上一季度（{built.changes.since}）尚无数据，本季度不作比较。", icon=":material/info:")
    elif table.is_empty():
        st.success(f"与 {built.changes.since} 相比没有变化。", icon=":material/check:")
    else:
        counts = "，".join(f"{k} {n} 项" for k, n in table.group_by("类别", maintain_order=True).len().rows())
        st.caption(counts)
        ui.table(table, key="meeting_changes")


count = len(built.sections)
if mode == "演示模式":
    st.session_state.setdefault("meeting_slide", 0)
    current = min(max(st.session_state["meeting_slide"], 0), count - 1)

    def go(step: int) -> None:
        st.session_state["meeting_slide"] = min(max(current + step, 0), count - 1)

    bar[2].button(
        "上一页",
        icon=":material/chevron_left:",
        on_click=go,
        args=(-1,),
        disabled=current == 0,
        key="meeting_prev",
        shortcut="Left",
        width="stretch",
    )
    bar[3].button(
        "下一页",
        icon=":material/chevron_right:",
        on_click=go,
        args=(1,),
        disabled=current == count - 1,
        key="meeting_next",
        shortcut="Right",
        width="stretch",
    )
    sample = " · :orange-badge[示例数据]" if d.uses_sample else ""
    bar[4].markdown(f"第 **{current + 1} / {count}** 页 · ← → 翻页{sample}")
    section = built.sections[current]
    with st.container(key="presenter"):
        show(section, current + 1, big=True)
        if section.key == "changes":
            change_list()
else:
    st.caption(about)
    for number, section in enumerate(built.sections, 1):
        with st.container(border=True):
            show(section, number, big=False)
    st.divider()
    change_list()
