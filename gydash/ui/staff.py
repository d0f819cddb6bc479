"""Staff sign-in and roles as pages show them (the rules themselves are gydash.access)."""

from __future__ import annotations

import streamlit as st


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
        st.info(auth.UPLOAD_OFF, icon=":material/lock:")
        with st.expander(auth.HOW_TO_ENABLE_TITLE):
            st.markdown(auth.HOW_TO_ENABLE)
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
