"""The one Streamlit module in gydash: data access for pages, the sidebar, page header and shared widgets."""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib
import pickle
import threading
from pathlib import Path

import streamlit as st

from gydash.base import clock, palette, plan
from gydash.plan import progress
from gydash.snapshots import store
from gydash.snapshots.store import Data

# Everything pages import on first use is imported here, before any page runs (the libraries only rare actions
# need, the meeting pack, chart pictures and Excel files, are imported on first use one at a time: gydash.base.libs).
# A fresh server runs its first visitors' scripts side by side, each on its own thread, and a library imported on
# first use can reach a second session half-initialised: polars' to_pandas() takes pandas straight from sys.modules
# while another session's thread is still importing it ("partially initialized module 'pandas' has no attribute
# 'Timestamp'"). app.py imports this module first; one thread runs these imports while every other session waits.
PRELOADED = (
    "_strptime",  # datetime.strptime's own lazy import
    "PIL.Image",  # st.set_page_config's icon (app.py)
    "pandas",
    "pyarrow.pandas_compat",
    "altair",
    "fontTools.ttLib",  # the CJK font check (gydash.meeting.render), on every chart's download menu
    "argon2",  # staff sign-in (gydash.access.auth)
    "streamlit.emojis",  # compiles a large pattern on first use (segmented controls, icons): 0.3 s of a first visit
)
for _name in PRELOADED:
    importlib.import_module(_name)
# What is imported by now lives as long as the server: kept out of the cycle collector's full passes. They went
# over these 150 000 objects every time (0.15 s on the full data, a pause falling on whichever page was running;
# 0.03 s without them).
gc.freeze()

ASSETS = Path(__file__).resolve().parent.parent / "assets"
STYLE = (ASSETS / "gydash.css").read_text(encoding="utf-8")
LABELS = (ASSETS / "gydash.js").read_text(encoding="utf-8")
BADGE_COLOURS = {k: s.badge for k, s in palette.TARGET.items()}
DATA_PAGE = "pages/data.py"
# The menu: (group, [(page script, title, icon)]). app.py registers these pages; presenter mode, which hides the
# sidebar, offers the same menu as links in its control bar.
MENU = (
    ("总览", [("pages/overview.py", "目标进度", ":material/flag:")]),
    ("责任落实", [("pages/duties.py", "责任落实", ":material/task_alt:")]),
    (
        "党建覆盖",
        [
            ("pages/coverage.py", "两个覆盖台账", ":material/account_tree:"),
            ("pages/commendations.py", "表扬推荐", ":material/military_tech:"),
        ],
    ),
    ("县区对比", [("pages/counties.py", "县区对比", ":material/map:")]),
    ("季度汇报", [("pages/meeting.py", "季度汇报", ":material/co_present:")]),
    (
        "数据管理",
        [
            (DATA_PAGE, "数据管理", ":material/folder_open:"),
            ("pages/submissions.py", "报送情况", ":material/assignment_late:"),
        ],
    ),
)


def pages() -> dict:
    """The pages for st.navigation, grouped as the menu shows them; the first is the default."""
    first = MENU[0][1][0][0]
    return {
        group: [st.Page(path, title=title, icon=icon, default=path == first) for path, title, icon in items]
        for group, items in MENU
    }


def menu_links() -> None:
    """The menu as links, for where the sidebar is hidden (presenter mode)."""
    for group, items in MENU:
        st.caption(group)
        for path, title, icon in items:
            st.page_link(path, label=title, icon=icon)


def style() -> None:
    """The page style (assets/gydash.css) for every page, injected once per run by app.py: Streamlit's English-only
    toolbars hidden, a labelled menu control, phone and presenter layout; and assets/gydash.js, which gives the
    few English labels of Streamlit's own controls (screen-reader names, an empty field's hint) Chinese names."""
    st.html(f"<style>{STYLE}</style>")
    st.html(f"<script>{LABELS}</script>", unsafe_allow_javascript=True)


def route_through_app() -> None:
    """Make a deep link (/duties?area=…) on a freshly started server go through app.py.

    Streamlit starts in its old "pages/ folder" mode whenever a pages/ folder exists and leaves it only once
    st.navigation runs; until someone opens the root URL, a deep link would run the page alone (no sidebar, no
    layout, file names as the menu). Every page calls this first: it switches the server to the router and
    reruns, so app.py handles the same URL.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_this_run = threading.local()  # Streamlit runs each session's script on its own thread


def data() -> Data:
    """The data in effect; store.load only looks for changes (stat, or the kernel's reports), so a rerun with no new
    file reads nothing. The dir is looked at once per run: the sidebar (app.py) and the page share that look, which
    also means both show the very same files. A run is told apart by the cursor table Streamlit makes afresh at the
    start of each."""
    held = _held_data()
    if held is not None:
        return held
    d = store.load()
    run = _run()
    if run is not None:
        _this_run.held = (run, d)  # the run's own table is held, so `is` cannot match a later run by chance
    return d


def _run():
    """What tells this script run apart: the cursor table Streamlit makes afresh at its start (None outside one)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return getattr(get_script_run_ctx(), "cursors", None)


def _held_data() -> Data | None:
    """The data this run has already asked for (ui.data), or None."""
    run, held = _run(), getattr(_this_run, "held", None)
    return held[1] if run is not None and held is not None and held[0] is run else None


def today():
    return clock.today()


def selected_plan(d: Data) -> str:
    """The plan chosen in the sidebar (kept in the URL as ?plan=…), the built-in 2024 plan by default."""
    ids = progress.plan_ids(d)
    chosen = st.session_state.get("plan") or st.query_params.get("plan") or plan.BUILTIN_PLAN
    return chosen if chosen in ids else (ids[0] if ids else plan.BUILTIN_PLAN)


def plan_title(d: Data, plan_id: str) -> str:
    return progress.plan_title(d, plan_id)


def store_targets(d: Data):
    from gydash.snapshots import resolve

    return resolve.targets(d)


def _on_plan_change() -> None:
    st.query_params["plan"] = st.session_state["plan"]


def selected_area() -> str | None:
    """The county an official follows ("my county"), from ?area=… (code, full or short name) or this session."""
    raw = st.query_params.get("area") or st.session_state.get("area")
    code = plan.area_lookup().get(raw) if raw else None
    if code is None or code == plan.CITY:
        return None
    st.session_state["area"] = code
    return code


def set_area(code: str | None) -> None:
    """Follow a county (or none); kept in the URL so the link opens the same county on any page."""
    if code:
        st.session_state["area"] = code
        st.query_params["area"] = code
    else:
        st.session_state.pop("area", None)
        st.query_params.pop("area", None)


def sidebar() -> None:
    d = data()
    with st.sidebar:
        st.markdown(f"**数据截至** {d.as_of or '—'}")
        ids = progress.plan_ids(d)
        current = selected_plan(d)
        st.selectbox(
            "跟踪方案",
            ids,
            index=ids.index(current) if current in ids else 0,
            format_func=lambda p: plan_title(d, p),
            key="plan",
            on_change=_on_plan_change,
        )
        area = selected_area()
        if area:
            st.query_params["area"] = area  # page switches drop the URL's query; put it back
            st.markdown(f"**关注县区** {plan.area_name(area)}")
        if d.uses_sample:
            st.warning("**示例数据**：当前显示的是系统自带的示例数据，不是真实统计。", icon=":material/science:")
        rejected = d.rejected()
        if rejected:
            st.error(f"有 **{len(rejected)}** 个数据文件未通过检查，未计入统计。", icon=":material/warning:")
            st.page_link(DATA_PAGE, label="查看原因（数据管理）", icon=":material/folder_open:")
        st.caption(f"今天 {today()} · 数据目录 `{d.data_dir}`")


def page_header(title: str, d: Data) -> None:
    """Page title with the sample-data flag beside it, so a projected screen never hides that it is a demo."""
    left, right = st.columns([5, 1])
    left.markdown(f"## {title}")
    if d.uses_sample:
        right.badge("示例数据", icon=":material/science:", color="orange")


def badge_md(row: dict) -> str:
    """A target's status as the Markdown st.badge writes (colour, symbol and word), to go inside a larger
    st.markdown: every element costs a rerun about a millisecond on the server, so a card is one element, not
    three."""
    from gydash.base.fmt import status_text

    label = status_text(row).replace("[", "\\[").replace("]", "\\]")
    return f":{BADGE_COLOURS[row['status']]}-badge[{label}]"


def _next_table() -> int:
    """The number of this table in the current run (1, 2, …): a stable key for its download menu on every rerun."""
    run = _run()
    held = getattr(_this_run, "tables", None)
    n = held[1] + 1 if held is not None and held[0] is run else 1
    _this_run.tables = (run, n)
    return n


def table(frame, unit: str | None = None, pin: str | None = None, name: str = "表格", **kwargs):
    """st.dataframe of the frame as users download it (export.table: Chinese headers with units, rounded, no
    internal columns), with a 下载 menu under it for the same table as CSV (Streamlit's own table toolbar is
    English only and hidden by the page style). `pin` keeps that column in view while the rest scrolls
    sideways (on a phone); `name` names the downloaded file. A table of more than a thousand rows (the file
    list at full scale, a year's events behind a duty cell) is sent a screenful at a time as it is scrolled or
    sorted (Streamlit's lazy delivery) instead of half a megabyte to a phone on every view; search and
    Streamlit's own CSV, which lazy tables lack, are hidden anyway, and the 下载 menu gives every row."""
    from gydash.snapshots import export

    shown = export.table(frame, unit)
    if kwargs.get("on_select", "ignore") == "ignore":  # a table users select rows in is sent whole
        kwargs.setdefault("lazy", True)
    if pin in shown.columns:
        kwargs["column_config"] = {pin: st.column_config.Column(pinned=True)} | kwargs.get("column_config", {})
    # As an Arrow table: Streamlit sends its bytes as they are, where a polars frame would go through pandas first
    # (a fifth of the data page's rerun for its file list); the lazy path makes this same table itself.
    event = st.dataframe(shown.to_arrow(), **kwargs)
    key = kwargs.get("key") or f"table{_next_table()}"
    with st.popover("下载", icon=":material/download:", type="tertiary", key=f"dl_{key}"):
        _csv_button("表格（CSV）", frame, unit, name, key)
    return event


def _csv_button(label: str, frame, unit: str | None, name: str, key: str) -> None:
    """The CSV download of a table or a chart's data, made only when clicked (export.csv: Chinese headers, BOM)."""
    from gydash.snapshots import export

    st.download_button(
        label,
        data=lambda: export.csv(frame, unit),
        file_name=f"{name}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"dl_{key}_csv",
        icon=":material/table_view:",
    )


MAX_CHARTS = 256  # specs kept per process: a page draws a few dozen charts, a spec is a few kB
MIN_PROJECTED_PX = 18  # presenter mode: every chart text at least this size, legible from the back of the room


@st.cache_data(max_entries=MAX_CHARTS, show_spinner=False)
def _built(where: tuple, content: str, themed: bool, _args: tuple, _kwargs: dict, _build) -> dict:
    """The builder's chart as a Vega-Lite dict, made once per `content` of its arguments. The underscored
    arguments are left out of Streamlit's key (a page script defines its builders anew on every run); `where`
    stands for the builder and `content` for what it is given."""
    return _build_spec(_build, _args, _kwargs, themed, _kept_key(where, content, themed))


def _content(args: tuple, kwargs: dict) -> str | None:
    """A digest of the builder's arguments, or None when they cannot be pickled. Streamlit's own hashing walks a
    target row's 45 fields one by one (1.5 ms a row, 3 ms with its history: a fifth of a chart page's rerun);
    the pickle of the same arguments takes 0.15 ms. Equal pickles mean equal arguments; equal arguments pickled
    differently (a frame in other chunks) only cost a second build."""
    try:
        blob = pickle.dumps((args, kwargs), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.blake2b(blob, digest_size=20).hexdigest()


def _build_spec(build, args: tuple, kwargs: dict, themed: bool, kept_as: str | None = None) -> dict:
    """The spec, built; or, when `kept_as` names it and this run has its data, from the warehouse (kept there the
    first time): a restarted server draws its charts without building them in Altair (a trend chart takes about
    0.1 s to build, 1 ms to fetch)."""
    from gydash import charts
    from gydash.snapshots import kept

    def built() -> dict:
        chart = build(*args, **kwargs)
        return charts.vega_spec(charts.themed(chart) if themed else chart)

    held = _held_data()
    if kept_as is None or held is None:  # a chart drawn without a page's data is not kept
        return built()
    return kept.remembered(held.warehouse, kept_as, built, kept.JSON)


@functools.cache
def _source(filename: str) -> str:
    """A digest of a builder's source file: a page's constants (colours, words) are not in its bytecode."""
    try:
        return hashlib.sha256(Path(filename).read_bytes()).hexdigest()
    except OSError:
        return ""


def _kept_key(where: tuple, content: str, themed: bool) -> str:
    """The warehouse key of a chart: the builder (file, name, bytecode and source), what it was given, the theme,
    gydash's code and Altair's version, so neither a new release nor a changed page gets an old chart."""
    import altair

    parts = ("chart", where, _source(where[0]), content, themed, store.code_version(), altair.__version__)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def spec(build, *args, themed: bool = False, **kwargs) -> dict:
    """The chart `build(*args, **kwargs)` draws, as a Vega-Lite spec cached on the content of the arguments: a
    rerun with the same data neither builds the Altair chart nor checks it against the schema again. `themed`
    applies the shared theme (charts.themed). Builders must depend only on their arguments and constants."""
    code = build.__code__
    where = (code.co_filename, build.__qualname__, code.co_code)
    content = _content(args, kwargs)
    if content is None:  # a lambda or the like, which Streamlit's hashing refuses as well: drawn, not kept
        return _build_spec(build, args, kwargs, themed)
    return _built(where, content, themed, args, kwargs, build)


def _enlarged(node, smallest: int):
    """The spec with every font size below `smallest` raised to it (marks, axes, legends, headers, titles)."""
    if isinstance(node, dict):
        out = {k: _enlarged(v, smallest) for k, v in node.items() if k != "datasets"}
        for key, value in node.items():
            if key.endswith("FontSize") or key == "fontSize":
                out[key] = max(value, smallest) if isinstance(value, int | float) else value
        if "datasets" in node:
            out["datasets"] = node["datasets"]
        return out
    if isinstance(node, list):
        return [_enlarged(v, smallest) for v in node]
    return node


PROJECTED_CONFIG = {  # sizes that nothing in a spec sets explicitly default to Vega-Lite's 10–11 px
    "axis": {"labelFontSize": MIN_PROJECTED_PX, "titleFontSize": MIN_PROJECTED_PX},
    "legend": {"labelFontSize": MIN_PROJECTED_PX, "titleFontSize": MIN_PROJECTED_PX},
    "header": {"labelFontSize": MIN_PROJECTED_PX, "titleFontSize": MIN_PROJECTED_PX},
    "title": {"fontSize": MIN_PROJECTED_PX + 2},
    "text": {"fontSize": MIN_PROJECTED_PX},
}


def projected(drawn: dict) -> dict:
    """A spec for the projector: all labels, axis and legend text at least MIN_PROJECTED_PX."""
    config = drawn.get("config", {})
    for part, sizes in PROJECTED_CONFIG.items():
        config = config | {part: sizes | config.get(part, {})}
    return _enlarged(drawn | {"config": config}, MIN_PROJECTED_PX)


def chart(drawn, frame=None, name: str = "chart", unit: str | None = None, **kwargs):
    """Show a chart (a spec from ui.spec, or an Altair chart) container-wide, with a small 下载 menu under it: the
    chart as PNG and the data it draws as CSV (export.csv: Chinese headers, `unit` being the unit of its
    figures). Streamlit's own chart toolbar (English only) is hidden by the page style; this menu replaces it.
    Both files are made only when clicked, so reruns stay fast. Other keyword arguments go to
    st.vega_lite_chart (width, on_select, key …); its return value is returned."""
    from gydash.meeting import render

    if not isinstance(drawn, dict):
        from gydash import charts

        drawn = charts.vega_spec(drawn)
    # A screen reader says the chart's Chinese name, not Vega's English descriptions of its axes and marks.
    drawn = {"description": f"图表：{name.replace('_', ' ')}"} | drawn
    drawn["config"] = drawn.get("config", {}) | {"aria": False}
    kwargs.setdefault("width", "stretch")
    # Streamlit moves the datasets out of the dict it is given (top-level keys only): it gets its own copy.
    event = st.vega_lite_chart(spec=dict(drawn), **kwargs)
    with st.popover("下载", icon=":material/download:", type="tertiary", key=f"dl_{name}"):
        try:
            render.font()
        except render.FontMissing as exc:
            st.caption(str(exc))
        else:
            st.download_button(
                "图片（PNG）",
                data=lambda: render.png(dict(drawn)),
                file_name=f"{name}.png",
                mime="image/png",
                on_click="ignore",
                key=f"dl_{name}_png",
                icon=":material/image:",
            )
        if frame is not None:
            _csv_button("数据（CSV）", frame, unit, name, name)
    return event


def _secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets.toml (StreamlitSecretNotFoundError) or one that cannot be parsed
        return {}


def viewing_allowed() -> bool:
    """Viewing is open unless secrets set [gydash_staff] view_requires_sign_in = true; then pages show only the
    staff sign-in until someone on the staff list has signed in."""
    from gydash.access import auth

    if not auth.config(_secrets()).view_requires_sign_in:
        return True
    st.markdown("## 广元科创党建进度看板")
    st.caption("本看板设置为仅限工作人员查看，请先登录。")
    return staff_sign_in() is not None


def _config_problems(cfg) -> None:
    """Entries of the staff configuration that were left out, shown to signed-in staff only."""
    for problem in cfg.problems:
        st.warning(f"账号配置：{problem}", icon=":material/key:")


def staff_sign_in() -> str | None:
    """The signed-in staff member allowed to upload, or None after showing the sign-in (or how to enable it)."""
    from gydash.access import auth

    cfg = auth.config(_secrets())
    auth.log_problems(cfg)  # for the administrator; a visitor must not learn which accounts exist
    if not cfg.enabled:
        st.info(auth.HOW_TO_ENABLE, icon=":material/lock:")
        return None
    if cfg.oidc:
        if not st.user.is_logged_in:
            st.button("登录后上传", on_click=st.login, key="staff_login", icon=":material/login:")
            return None
        email = st.user.get("email")
        if not auth.email_allowed(cfg, email):
            st.warning(f"{email or '当前账号'} 不在工作人员名单中，不能上传。", icon=":material/lock:")
            st.button("退出登录", on_click=st.logout, key="staff_logout")
            return None
        st.caption(f"已登录：{email}")
        _config_problems(cfg)
        return email
    user = st.session_state.get("staff_user")
    if user in cfg.users:
        left, right = st.columns([5, 1])
        left.caption(f"已登录：{user}")
        right.button("退出登录", key="staff_logout", on_click=lambda: st.session_state.pop("staff_user", None))
        _config_problems(cfg)
        return user
    with st.form("staff_sign_in", clear_on_submit=True, width=420):
        st.markdown("**工作人员登录后才能上传**")
        name = st.text_input("用户名", key="staff_name")
        password = st.text_input("密码", type="password", key="staff_password")
        submitted = st.form_submit_button("登录", icon=":material/login:")
    if submitted:
        result = auth.sign_in(cfg, name, password)
        if result.ok:
            st.session_state["staff_user"] = result.user
            st.rerun()
        st.error(result.message, icon=":material/error:")
    return None


def staff_role(user: str):
    """The signed-in staff member's role (gydash.access.roles.Role), or None when it is misconfigured; every role
    configuration problem is shown to signed-in staff (and was written to the server log by roles.accounts)."""
    from gydash.access import roles

    accounts = roles.accounts(_secrets())
    for problem in accounts.problems:
        st.warning(problem, icon=":material/manage_accounts:")
    role = accounts.role(user)
    if role is None:
        st.error(
            f"账号「{user}」的角色配置有误，暂不能导入数据。请管理员按 README 第 9 节改正 .streamlit/secrets.toml。",
            icon=":material/block:",
        )
    else:
        st.caption(f"角色：{role.label}")
    return role
