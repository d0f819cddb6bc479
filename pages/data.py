"""数据管理: every file with its status and reasons, data freshness, revision history, what changed since a date,
import templates, staff-only upload through the same import as `gydash import` (county accounts: own county only),
and the import log."""

from datetime import date, timedelta

import polars as pl
import streamlit as st

from gydash import ui
from gydash.access import scope
from gydash.base import fmt, plan
from gydash.base.contract import DATASET_LABELS, DATASETS, columns
from gydash.base.problems import Problem, visible
from gydash.snapshots import history, importer, importlog, templates, xlsx

ui.route_through_app()

STATUS_WORDS = fmt.FILE_STATUS
EARLIEST = date(2000, 1, 1)  # the data contract's first year
CHANGE_HEADERS = {
    "dataset": "数据集",
    "change": "变化",
    "item": "项目",
    "before": "原来",
    "after": "现在",
    "file": "文件",
}

md = fmt.md


d = ui.data()
today = ui.today()
ui.page_header("数据管理", d)
st.caption(f"数据目录：{md(d.data_dir)} · 数据截至 {d.as_of or '—'} · 今天 {today}")


def problem_table(problems: list[Problem] | tuple[Problem, ...]) -> pl.DataFrame:
    """Problems as text cells (blank, not None, where a problem has no row or column), hidden characters named;
    shown as a plain table whose long reasons wrap instead of being cut off."""
    return pl.DataFrame(
        {
            "行": ["" if p.row is None else str(p.row) for p in problems],
            "列": [visible(p.column) if p.column else "" for p in problems],
            "值": [visible(p.value) if p.value is not None else "" for p in problems],
            "问题与可填写的值": [visible(p.message) for p in problems],
        },
        schema={"行": pl.String, "列": pl.String, "值": pl.String, "问题与可填写的值": pl.String},
    )


def brief(p: Problem) -> str:
    """'第 2 行 月份「13」：不能大于 12' — one problem in a table cell."""
    where = (f"第 {p.row} 行 " if p.row is not None else "") + visible(p.column or "")
    where += f"「{visible(p.value)}」" if p.value is not None else ""
    return f"{where.strip()}：{visible(p.message)}" if where.strip() else visible(p.message)


def changes_view(frame: pl.DataFrame, key: str) -> None:
    if frame.is_empty():
        st.info("没有变化。", icon=":material/check:")
        return
    st.markdown("；".join(history.counts(frame)))
    shown = frame.with_columns(
        pl.col("dataset").replace_strict(DATASET_LABELS, return_dtype=pl.String),
        pl.col("change").replace_strict(history.CHANGE_WORDS, return_dtype=pl.String),
    ).rename(CHANGE_HEADERS)
    ui.table(shown)
    st.download_button(
        "下载变化清单（Excel）",
        data=lambda: xlsx.workbook(shown, "变化清单"),  # built only when clicked, not on every rerun
        file_name=f"变化清单_{key}.xlsx",
        mime=xlsx.MIME,
        key=f"dl_{key}",
        icon=":material/download:",
        on_click="ignore",
    )


# ---------------------------------------------------------------- files and freshness
def files_tab() -> None:
    st.markdown("#### 数据新鲜度")
    for f in history.freshness(d, today):
        if f["stale"]:
            st.warning(f["text"], icon=":material/schedule:")
        else:
            st.markdown(f"- {f['text']}")

    counts = d.cached("file_counts", lambda: {s: sum(1 for f in d.files if f.status == s) for s in STATUS_KEYS})
    st.markdown(
        f"#### 文件检查结果\n共 {len(d.files)} 个数据文件：已采用 {counts['accepted']}，有警告 {counts['warning']}，"
        f"**已拒绝 {counts['rejected']}**；已忽略 {len(d.ignored)} 个其他文件。"
    )
    rejected = d.rejected()
    if rejected:
        reasons = pl.concat(
            [problem_table(f.errors).with_columns(pl.lit(f.entry.rel).alias("文件")) for f in rejected]
        ).select("文件", "行", "列", "值", "问题与可填写的值")
        st.download_button(
            "下载全部拒绝原因（Excel）",
            data=lambda: xlsx.workbook(reasons, "拒绝原因"),  # built only when clicked
            file_name="拒绝原因.xlsx",
            mime=xlsx.MIME,
            icon=":material/download:",
            on_click="ignore",
        )
    for f in rejected:
        with st.container(border=True):
            st.markdown(
                f"**✗ 已拒绝：{md(f.entry.rel)}** — 该文件所有行均未计入，其他文件不受影响。改正后另存一个新文件即可。"
            )
            ui.table(problem_table(f.errors), wrap=True, menu=False)

    for dataset in DATASETS:
        files = [f for f in d.files if f.entry.dataset == dataset]
        ignored = [e for e in d.ignored if e.dataset == dataset]
        if not files and not ignored:
            continue
        st.markdown(f"##### {DATASET_LABELS[dataset]}（{dataset}/）")
        # Thousands of files: the table is made once per state of the data dir, not on every rerun.
        table = d.cached(f"file_table:{dataset}", lambda files=files, ignored=ignored: file_table(files, ignored))
        ui.table(table, name=f"文件清单_{dataset}", key=f"files_{dataset}")  # its page kept under the dataset's name
        warned = [f for f in files if f.status == "warning"]
        if warned:
            with st.expander(f"查看 {len(warned)} 个文件的警告"):
                for f in warned:
                    st.markdown(f"**{md(f.entry.rel)}**")
                    ui.table(problem_table(f.warnings), wrap=True, menu=False)
    outside = [e for e in d.ignored if e.dataset is None]
    if outside:
        st.markdown("##### 数据集文件夹以外的文件")
        ui.table(
            pl.DataFrame({"文件": [e.rel for e in outside], "状态": "– 已忽略", "说明": [e.ignored for e in outside]}),
        )
    for note in d.notes(today):
        st.caption(f"! {md(note)}")


STATUS_KEYS = ("accepted", "warning", "rejected")


def file_table(files: list, ignored: list) -> pl.DataFrame:
    """A dataset's files, the one in effect first, then the files ignored, with why."""
    rows = [
        {
            "文件": visible(f.entry.rel),
            "快照日期": str(f.entry.as_of),
            "行数": f.rows,
            "状态": STATUS_WORDS[f.status],
            "说明": "；".join(brief(p) for p in (*f.errors, *f.warnings))[:300],
        }
        for f in sorted(files, key=lambda f: f.entry.order, reverse=True)  # the file in effect first
    ]
    rows += [
        {"文件": visible(e.rel), "快照日期": "", "行数": None, "状态": STATUS_WORDS["ignored"], "说明": e.ignored}
        for e in ignored
    ]
    return pl.DataFrame(
        rows,
        schema={"文件": pl.String, "快照日期": pl.String, "行数": pl.Int64, "状态": pl.String, "说明": pl.String},
    )


# ---------------------------------------------------------------- history of one key
def indicator_history() -> None:
    keys = history.indicator_keys(d)
    if keys.is_empty():
        st.info("还没有指标数据。", icon=":material/info:")
        return
    codes = [c for c in plan.indicators()["code"] if c in set(keys["indicator"])]
    left, mid, right = st.columns(3)
    indicator = left.selectbox("指标", codes, format_func=lambda c: plan.indicator(c)["name"], key="h_indicator")
    in_ind = keys.filter(pl.col("indicator") == indicator)
    areas = [a for a in plan.areas()["code"] if a in set(in_ind["area"])]
    area = mid.selectbox("县区", areas, format_func=plan.area_name, key="h_area")
    periods = in_ind.filter(pl.col("area") == area).select("year", "month", "revised").rows()
    measure = plan.indicator(indicator)["measure"]
    year, month, _ = right.selectbox(
        "期间",
        periods,
        format_func=lambda p: f"{fmt.period(p[0], p[1], measure)}{'（有修订）' if p[2] else ''}",
        key="h_period",
    )
    summary = history.indicator_key_summary(d, indicator, area, year, month)
    st.markdown(f"**{history.key_label(indicator, area, year, month)}**：{md(summary)}")
    table = history.indicator_key_history(d, indicator, area, year, month)
    table = table.with_columns(pl.col("as_of").cast(pl.String)).rename(
        {
            "as_of": "快照日期",
            "file": "文件",
            "row": "行",
            "value": "数值",
            "source": "来源",
            "change": "变化",
            "in_use": "采用",
        }
    )
    ui.table(table)


def ledger_history() -> None:
    keys = history.ledger_keys(d)
    if keys.is_empty():
        st.info("还没有“两个覆盖”台账数据。", icon=":material/info:")
        return
    left, right = st.columns(2)
    areas = [a for a in plan.areas()["code"] if a in set(keys["area"])]
    area = left.selectbox("县区", areas, format_func=plan.area_name, key="h_ledger_area")
    rounds = keys.filter(pl.col("area") == area)["round"].to_list()
    round_ = right.selectbox("台账期次", rounds, key="h_ledger_round")
    table = history.ledger_round_history(d, area, round_)
    table = table.with_columns(pl.col("as_of", "updated_on").cast(pl.String)).rename(
        {
            "as_of": "快照日期",
            "file": "文件",
            "updated_on": "更新日期",
            "orgs": "组织数",
            "party_members": "党员人数",
            "uncovered": "未覆盖",
            "joined": "新列入",
            "left": "移出",
            "in_use": "采用",
        }
    )
    st.caption("按时情况按第一次更新判断；台账内容以最新文件为准（新文件整体替换该县区该期的台账）。")
    ui.table(table)


def history_tab() -> None:
    kind = st.radio("查看", ["指标数值", "两个覆盖台账"], horizontal=True, key="h_kind")
    if kind == "指标数值":
        indicator_history()
    else:
        ledger_history()


# ---------------------------------------------------------------- what changed since a date
def changes_tab() -> None:
    # 90 days before the data date, kept inside the picker's range: a snapshot dated in the future (noted on the
    # files tab) must not push the default past today, nor a date near 2000 below the first day allowed.
    earliest, latest = EARLIEST, max(today, EARLIEST)
    base = min(d.as_of or today, latest)
    since = st.date_input(
        "自此日期以来",
        value=base - timedelta(days=90) if base >= earliest + timedelta(days=90) else earliest,
        min_value=earliest,
        max_value=latest,
        key="since",
        help="比较“只用这一天及以前的快照”得到的数据与现在的数据",
        width=260,
    )
    st.caption(f"对比：截至 {since} 的快照 → 现在。修订 = 同一项的数值变了；新增 = 原来没有；撤回 = 现在不再计入。")
    changes_view(history.changes_since(d, since), f"since_{since}")


# ---------------------------------------------------------------- templates
@st.cache_data(show_spinner=False)
def template_bytes(dataset: str) -> bytes:
    return templates.template(dataset)


def templates_tab() -> None:
    st.markdown(
        "每类数据一个 Excel 模板：第一个工作表填数据（第 1 行是中文表头，红色为必填，县区、类型等可下拉选择），"
        "“数据字典”工作表说明每一列和一行示例（示例不会被导入）。填好后在“上传导入”上传，或用 `uv run gydash import`。"
    )
    for row in [DATASETS[i : i + 3] for i in range(0, len(DATASETS), 3)]:
        for col, dataset in zip(st.columns(3), row, strict=False):
            with col, st.container(border=True):
                st.markdown(f"**{DATASET_LABELS[dataset]}**（{dataset}）")
                st.caption("、".join(c.zh for c in columns(dataset)))
                st.download_button(
                    "下载模板",
                    data=lambda dataset=dataset: template_bytes(dataset),  # made when clicked
                    file_name=templates.filename(dataset),
                    mime=xlsx.MIME,
                    key=f"tpl_{dataset}",
                    icon=":material/download:",
                    on_click="ignore",
                )
    dataset = ui.choice("查看数据字典", DATASETS, format_func=lambda s: DATASET_LABELS[s], key="dict_dataset")
    ui.table(templates.dictionary(dataset), wrap=True, menu=False)


# ---------------------------------------------------------------- upload
def prepared_for(upload, dataset: str, as_of: date | None, name: str, user: str, role) -> importer.Prepared:
    """Read and check once per file and choice, not on every rerun; a refused file is logged that once."""
    key = (upload.file_id, dataset, as_of, name, str(d.key), user, role)
    cache = st.session_state.setdefault("prepared", {})
    if key not in cache:
        cache.clear()
        p = importer.prepare(upload.getvalue(), upload.name, dataset, d.data_dir, as_of=as_of, name=name or None)
        cache[key] = scope.refuse_outside(p, role)
        if not p.ok:
            log_warning(importlog.record(p, None, d.data_dir, user=user, role=role, via="page"))
    return cache[key]


def log_warning(warning: str | None) -> None:
    """A log that could not be written is said, never skipped silently (kept until shown)."""
    if warning:
        st.session_state["import_log_warning"] = warning


def show_log_warning() -> None:
    if "import_log_warning" in st.session_state:
        st.warning(md(st.session_state.pop("import_log_warning")), icon=":material/history_edu:")


def show_prepared(p: importer.Prepared) -> None:
    for note in p.notes:
        st.caption(f"· {md(note)}")
    if p.errors:
        st.error(f"**{md(p.source)} 未通过检查，不会写入任何文件。** 请按下表改正后重新上传。", icon=":material/block:")
        ui.table(problem_table(p.errors), wrap=True, menu=False)
    if p.warnings:
        st.warning(f"{len(p.warnings)} 条警告（不影响导入）：", icon=":material/warning:")
        ui.table(problem_table(p.warnings), wrap=True, menu=False)


def preview(p: importer.Prepared) -> None:
    st.success(f"检查通过：{p.rows} 行，将写入 `{p.rel}`（快照日期 {p.as_of}）。", icon=":material/task_alt:")
    zh = {c.name: c.zh for c in columns(p.dataset)}
    # Text, blanks shown blank: staff should see their cells, not "None". A file may leave out optional columns.
    rows = p.out.select(pl.all().cast(pl.String).fill_null("")).rename(zh, strict=False)
    rows = rows.insert_column(0, pl.Series("表中行号", p.source_rows))
    st.markdown("**文件中的数据**（按文件原样，前 500 行）")
    ui.table(rows.head(500))
    st.markdown("**导入后看板上的变化**")
    after = history.with_file(d, p.dataset, p.rel, p.as_of, p.frame, p.rows)
    changes_view(history.changes(d, after, (p.dataset,)), "preview")


def upload_tab() -> None:
    user = ui.staff_sign_in()
    if user is None:
        return
    role = ui.staff_role(user)
    if role is None:
        return
    if role.kind == "county":
        own = plan.area_name(role.area)
        st.info(
            f"本账号只能导入{own}的数据：文件中有其他县区或全市（广元市）的行时，整个文件不会导入。",
            icon=":material/map:",
        )
    if "import_done" in st.session_state:
        st.success(st.session_state.pop("import_done"), icon=":material/task_alt:")
    show_log_warning()
    left, mid, right = st.columns(3)
    dataset = left.selectbox("数据集", DATASETS, format_func=lambda s: f"{DATASET_LABELS[s]}（{s}）", key="up_dataset")
    pick = mid.checkbox("指定快照日期", key="up_pick_date", help="不指定时取文件名中的日期，没有则取今天")
    # A snapshot date far ahead would outrank every later correction: the picker stops a few days after today
    # (the command line's --force is for the rare real case).
    latest = today + timedelta(days=importer.FUTURE_MARGIN_DAYS)
    as_of = (
        mid.date_input("快照日期", value=today, min_value=EARLIEST, max_value=latest, key="up_as_of") if pick else None
    )
    name = right.text_input(
        "保存名称（可不填）", key="up_name", help="只能用汉字、字母、数字、- 和 _；不填则取自文件名"
    )
    limit_mb = max(1, importer.max_upload_bytes() // (1024 * 1024))
    upload = st.file_uploader(
        f"选择文件（.xlsx、.csv 或 .parquet，不超过 {limit_mb} MB）",
        type=["xlsx", "csv", "parquet"],
        key=f"upload_{st.session_state.get('upload_round', 0)}",
        max_upload_size=limit_mb,
    )
    limit_problem = importer.upload_limit()[1]
    if limit_problem:
        st.caption(md(limit_problem))
    if upload is None:
        return
    p = prepared_for(upload, dataset, as_of, name.strip(), user, role)
    show_log_warning()
    show_prepared(p)
    if not p.ok:
        return
    preview(p)
    if st.button("确认导入", type="primary", key="confirm_import", icon=":material/upload:"):
        try:
            path = importer.write(p, d.data_dir, user=user)
        except importer.Refused as exc:
            st.error(f"未写入：{md(exc)}", icon=":material/block:")
            p.errors.append(Problem(p.source, str(exc)))
            log_warning(importlog.record(p, None, d.data_dir, user=user, role=role, via="page"))
            show_log_warning()
            return
        log_warning(importlog.record(p, path, d.data_dir, user=user, role=role, via="page"))
        st.session_state["import_done"] = (
            f"已写入 {path.relative_to(d.data_dir).as_posix()}（{p.rows} 行）。看板各页已使用新数据；原有文件均未改动。"
        )
        st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
        st.session_state.pop("prepared", None)
        st.rerun()


# ---------------------------------------------------------------- who imported what
def log_tab() -> None:
    if ui.staff_sign_in() is None:  # account names and refusal reasons are for staff
        return
    try:
        entries, bad = importlog.read()
    except importlog.LogError as exc:
        st.error(md(exc), icon=":material/error:")
        return
    st.caption(
        f"每次导入和被拒绝的上传（网页和命令行）都记在 {md(importlog.log_path())}，最新的在前。"
        "这个文件不在数据目录里，只追加、不修改；请与数据目录一起备份。"
    )
    if bad:
        st.warning(f"有 {bad} 行记录无法读取，已跳过。", icon=":material/warning:")
    if not entries:
        st.info("还没有导入记录。", icon=":material/info:")
        return
    table = importlog.table(entries)
    ui.table(table)


# Only the open tab runs (tabs that track state): a new file costs this page only what the open tab shows; the
# change list and the revision history are worked out for someone who opens them.
TABS = {
    "数据文件": files_tab,
    "修订记录": history_tab,
    "变化对比": changes_tab,
    "导入模板": templates_tab,
    "上传导入": upload_tab,
    "导入记录": log_tab,
}
ui.views(TABS, key="data_tab")
