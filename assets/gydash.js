// gydash: Chinese names for the few labels Streamlit's own controls carry only in English (read by screen
// readers, shown when a field is empty), and Chinese words for the English an official can meet in a dialog: the
// notice shown when a link names no page (an old or mistyped link), the date field's calendar. Installed once per
// browser tab by gydash.ui.style(); follows redraws, at most once per animation frame, so a page being drawn is not
// slowed down.
(() => {
  const doc = window.parent?.document ?? document;
  if (doc.gydashLabels) return;
  doc.gydashLabels = true;
  const LABELS = {
    "Expand sidebar": "展开菜单", "Collapse sidebar": "收起菜单", "Open": "展开选项", "Close": "关闭",
    "Clear all": "全部清除", "Clear value": "清除", "Choose an option": "请选择", "Choose options": "请选择",
    "Vega visualization": "图表", "Main menu": "主菜单", "Show password text": "显示密码",
    "Hide password text": "隐藏密码", "Press Enter to apply": "按回车确认", "Press Enter to submit form": "按回车提交",
    "Choose date": "选择日期", "Choose date and time": "选择日期和时间", "Choose date range": "选择日期范围",
    "Clear date": "清除日期", "Clear dates": "清除日期", "Quick select a date range": "快速选择日期范围",
    "Previous month": "上个月", "Next month": "下个月",
  };
  // Labels that go on with a value ("Choose date, 2026年7月", also the calendar's hidden heading): their English
  // start in Chinese.
  const STARTS = { "Choose date, ": "选择日期，" };
  const chinese = value => {
    if (LABELS[value]) return LABELS[value];
    const start = Object.keys(STARTS).find(s => value?.startsWith(s));
    return start ? STARTS[start] + value.slice(start.length) : null;
  };
  const TEXTS = {
    "Page not found": "找不到该页面",
    "The page that you have requested does not seem to exist. Running the app's main page.":
      "链接中的页面不存在，已为您打开首页（目标进度）。",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.": "用方向键选日期，回车确定，Esc 键关闭。",
  };
  const notice = () => {
    for (const dialog of doc.querySelectorAll('[role="dialog"]')) {
      const walker = doc.createTreeWalker(dialog, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const zh = TEXTS[n.nodeValue.trim()] ?? chinese(n.nodeValue);
        if (zh) n.nodeValue = zh;
      }
    }
  };
  const ATTRS = ["aria-label", "title", "placeholder"];
  const selector = [
    ...Object.keys(LABELS).flatMap(text => ATTRS.map(attr => `[${attr}="${text}"]`)),
    ...Object.keys(STARTS).flatMap(text => ATTRS.map(attr => `[${attr}^="${text}"]`)),
  ].join(",");
  const fix = () => {
    for (const el of doc.querySelectorAll(selector)) {
      for (const attr of ATTRS) {
        const zh = chinese(el.getAttribute(attr));
        if (zh) el.setAttribute(attr, zh);
      }
    }
    notice();
  };
  let queued = false;
  const later = () => {
    if (queued) return;
    queued = true;
    (doc.defaultView ?? window).requestAnimationFrame(() => { queued = false; fix(); });
  };
  fix();
  // Attributes and text too: a control may take its English name after it is drawn (the date field's calendar, on
  // opening; its heading, on turning the month). Renaming is such a change as well, seen again once: by then no
  // English is left to rename.
  new MutationObserver(later).observe(doc.body, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ATTRS,
  });
})();
