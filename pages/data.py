"""数据管理: every file in the data dir with its status and, for a rejected file, the reasons."""

import polars as pl
import streamlit as st

from gydash import ui
from gydash.contract import DATASET_LABELS

STATUS_WORDS = {"accepted": "✓ 已采用", "warning": "! 有警告", "rejected": "✗ 已拒绝"}

d = ui.data()
ui.page_header("数据管理", d)
st.caption(f"数据目录：{d.data_dir} · 数据截至 {d.as_of or '—'}")

for f in d.rejected():
    with st.container(border=True):
        st.markdown(f"**✗ 已拒绝：{f.entry.rel}**（该文件所有行均未计入，其他文件不受影响）")
        st.text("\n".join(str(p) for p in f.errors))

rows = [
    {
        "文件": f.entry.rel,
        "数据集": DATASET_LABELS.get(f.entry.dataset, ""),
        "快照日期": str(f.entry.as_of),
        "行数": f.rows,
        "状态": STATUS_WORDS[f.status],
        "说明": "；".join(p.message for p in (*f.errors, *f.warnings))[:200],
    }
    for f in d.files
] + [
    {
        "文件": e.rel,
        "数据集": DATASET_LABELS.get(e.dataset or "", ""),
        "快照日期": "",
        "行数": None,
        "状态": "– 已忽略",
        "说明": e.ignored,
    }
    for e in d.ignored
]
if rows:
    st.dataframe(pl.DataFrame(rows, infer_schema_length=None), hide_index=True, width="stretch")
else:
    st.info("数据目录中还没有文件。", icon=":material/info:")
for note in d.notes(ui.today()):
    st.caption(f"! {note}")
