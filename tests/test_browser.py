"""Notebooks 08 and 09 in a real browser: JupyterLab driven by Playwright through Chromium.

nbval executes the notebooks' code but never renders a widget or a plotly figure; this test does.
It starts JupyterLab on 127.0.0.1 (a free port, a random token, ``--no-browser``) over a temporary
copy of ``notebooks/`` (the repository's notebooks are never opened, so nothing is saved into
them), with ZSLKIT_QUICK=1 in the server's environment (its kernels inherit it) and the server
run by this interpreter (so the ``python3`` kernel is this environment's python). Then:

* each notebook opens **clean**: once its kernel has started and JupyterLab has written the
  kernel's ``language_info`` and ``kernelspec`` into the notebook model, the tab carries no
  unsaved-changes mark (``jp-mod-dirty``) before anything runs (the notebooks store the kernel's
  full ``language_info``; with a Python of another version only ``language_info.version``
  changes, which is reported as a warning and nothing else may change);
* ``08_hyperparameters``: Run All, wait until every code cell has executed; find the
  hyperparameter panel (the widget box with sliders, a **Run** button and a plotly figure), move
  its first slider with the keyboard, press Run, and check that a new curve was drawn, for the
  slider's new value; toggle the panel to *test*: the validation curves leave the figure (the
  panel never mixes splits), and come back with the *validation* toggle;
* ``09_feature_views``: Run All, wait; every plotly output drew an SVG with traces;
* neither shows an error output, a traceback or "Error displaying widget".

Cells run through JupyterLab's own command (``notebook:run-all-cells``, on the app that
``--LabApp.expose_app_in_browser`` puts at ``window.jupyterapp``); the widgets are driven by
real keyboard and mouse events. On the way out (also on failure) the browser is closed, the
server's kernels are shut down through its REST API, and the server process this test started
is terminated by its PID and waited for.

Needs Playwright (``pip install -e ".[dev]"``) and a Chromium (Debian: ``apt-get install
chromium``; or set ZSLKIT_CHROMIUM to a Chromium/Chrome executable); skipped otherwise. Playwright's
own browser download is not used.
"""
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_TIMEOUT_S = 360          # per notebook, quick mode (about a minute each on 2 cores)
RUN_BUTTON_TIMEOUT_S = 180        # one retrain from the panel
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
# JupyterLab user settings for the run: every cell stays in the DOM (no windowing, so figures in
# cells off screen are drawn too) and no news / update checks (nothing outside 127.0.0.1).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


def _chromium():
    for candidate in (os.environ.get("ZSLKIT_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    """A JupyterLab this test started: its Popen, URL, token and a small REST client."""

    def __init__(self, proc, url, token, log, root=None):
        self.proc, self.url, self.token, self.log, self.root = proc, url, token, log, root

    def api(self, path, method="GET"):
        req = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def log_tail(self, n=3000):
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-n:]

    def stop(self):
        """Shut down every kernel through the API, then terminate the server (by PID) and wait."""
        if self.proc.poll() is None:
            try:
                for k in self.api("kernels"):
                    self.api(f"kernels/{k['id']}", method="DELETE")
            except (OSError, urllib.error.URLError, ValueError):
                pass
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.log.close()


def _browser_or_skip():
    """(playwright.sync_api, the Chromium executable), or skip saying what is missing."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright is not installed (pip install -e '.[dev]')")
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (pip install -e '.[dev]')")
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium found (/usr/bin/chromium, `chromium` on PATH or ZSLKIT_CHROMIUM); "
                    "on Debian: apt-get install chromium")
    return sync_api, chromium


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    _browser_or_skip()
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    shutil.copytree(REPO / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    settings = tmp / "settings"
    for name, value in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    env = dict(os.environ, ZSLKIT_QUICK="1", JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), IPYTHONDIR=str(tmp / "ipython"))
    env.setdefault("OMP_NUM_THREADS", "2")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    port, token = _free_port(), secrets.token_hex(16)
    log = open(tmp / "server.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly",
         "--ServerApp.terminals_enabled=False"] + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = _Server(proc, f"http://127.0.0.1:{port}", token, log, root=root)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                server.api("status")
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not answer on {server.url}:\n{server.log_tail()}")
                time.sleep(0.5)
        # The kernel the notebooks ask for is this environment's python.
        spec = server.api("kernelspecs")["kernelspecs"]["python3"]["spec"]
        assert spec["argv"][0] in ("python", "python3", sys.executable), spec["argv"]
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def page(lab):
    sync_api, chromium = _browser_or_skip()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 1000})
            pg.js_errors = []
            pg.on("pageerror", lambda e: pg.js_errors.append(str(e)))
            pg.on("console", lambda m: m.type == "error" and pg.js_errors.append(f"console: {m.text}"[:300]))
            pg.goto(f"{lab.url}/lab?token={lab.token}", timeout=120_000)
            pg.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell"
                                 " && document.querySelector('#jp-main-dock-panel')", timeout=120_000)
            pg.wait_for_function("() => window.jupyterapp.commands.hasCommand('notebook:run-all-cells')",
                                 timeout=60_000)
            yield pg
        finally:
            browser.close()


# The state of the current notebook, read from JupyterLab's own models.
_STATE_JS = """() => {
    const nb = window.jupyterapp.shell.currentWidget;
    const kernel = nb.sessionContext.session && nb.sessionContext.session.kernel;
    const cells = nb.content.widgets.filter(c => c.model.type === 'code');
    const errors = [];
    for (const c of cells) {
        for (const o of c.model.outputs.toJSON()) {
            if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue + '\\n' + (o.traceback || []).join('\\n'));
            else if (o.output_type === 'stream' && String(o.text).includes('Traceback')) errors.push(String(o.text));
        }
    }
    const plotly = cells.reduce((n, c) => n + c.model.outputs.toJSON().filter(
        o => o.data && o.data['application/vnd.plotly.v1+json']).length, 0);
    return {kernel: kernel ? kernel.status : 'none', code: cells.length, plotly: plotly, errors: errors,
            done: cells.filter(c => c.model.executionCount !== null).length,
            busy: cells.filter(c => (c.promptNode ? c.promptNode.textContent : '').includes('*')).length};
}"""


def _page_errors(pg):
    """Error outputs and 'Error displaying widget' texts anywhere on the page."""
    text = pg.evaluate("""() => [...document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText, .widget-output')]
        .map(e => e.innerText).filter(t => t.includes('Traceback') || t.includes('Error displaying widget'))""")
    text += pg.evaluate("""() => document.body.innerText.includes('Error displaying widget')
        ? ['Error displaying widget'] : []""")
    return text


# After the kernel has started and JupyterLab has applied its kernel info to the notebook model
# (NotebookPanel writes metadata.language_info from the kernel_info reply): the unsaved-changes
# state of the model and of the notebook's tab, the model's metadata and the kernel's language_info.
_OPENED_JS = """async () => {
    const w = window.jupyterapp.shell.currentWidget;
    const info = await w.sessionContext.session.kernel.info;
    await new Promise(r => setTimeout(r, 1000));
    const tabs = [...document.querySelectorAll('#jp-main-dock-panel .lm-TabBar-tab')]
        .filter(t => t.querySelector('.lm-TabBar-tabLabel').textContent === w.title.label);
    return {dirty: w.context.model.dirty, tab_dirty: tabs.some(t => t.classList.contains('jp-mod-dirty')),
            tabs: tabs.length, metadata: w.context.model.toJSON().metadata, kernel: info.language_info};
}"""


def _assert_opens_clean(pg, lab, name):
    """The notebook just opened (kernel started, nothing run) carries no unsaved-changes mark."""
    state = pg.evaluate(_OPENED_JS)
    stored = json.loads((lab.root / name).read_text())["metadata"]
    assert state["tabs"] == 1, f"{name}: expected one tab for the notebook, found {state['tabs']}"
    if not (state["dirty"] or state["tab_dirty"]):
        return
    now = state["metadata"]
    changed = sorted(k for k in set(now) | set(stored) if now.get(k) != stored.get(k))
    versions = (stored.get("language_info", {}).get("version"), state["kernel"].get("version"))
    only_version = changed == ["language_info"] and {**now["language_info"], "version": None} == \
        {**stored.get("language_info", {}), "version": None}
    if only_version and versions[0] != versions[1]:
        warnings.warn(f"{name} opens with unsaved changes only because this kernel's Python {versions[1]} is not "
                      f"the {versions[0]} stored in metadata.language_info.version (JupyterLab rewrites it on open).")
        return
    raise AssertionError(f"{name} opens with unsaved changes (tab marked jp-mod-dirty) before anything ran; "
                         f"metadata keys changed by JupyterLab: {changed}; stored {json.dumps(stored)}, "
                         f"now {json.dumps(now)}")


def _open_and_run_all(pg, name, lab=None):
    pg.evaluate("""async (path) => {
        const app = window.jupyterapp;
        const nb = await app.commands.execute('docmanager:open', {path: path, factory: 'Notebook'});
        await nb.context.ready;
        await nb.sessionContext.ready;
        app.shell.activateById(nb.id);
    }""", name)
    pg.wait_for_function("""(path) => { const w = window.jupyterapp.shell.currentWidget;
        return w && w.context && w.context.path === path && w.sessionContext.session
            && w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'; }""",
                         arg=name, timeout=120_000)
    if lab is not None:
        _assert_opens_clean(pg, lab, name)
    pg.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline, state = time.monotonic() + NOTEBOOK_TIMEOUT_S, None
    while time.monotonic() < deadline:
        state = pg.evaluate(_STATE_JS)
        errors = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(state["errors"]))
        assert not errors, f"{name}: a cell failed in the browser:\n{errors[-3000:]}"
        if state["kernel"] == "idle" and state["done"] == state["code"] and not state["busy"]:
            return state
        time.sleep(1)
    pytest.fail(f"{name}: not every cell ran within {NOTEBOOK_TIMEOUT_S} s: {state}")


def _traces(plot):
    """Number of traces of one plotly figure element (its data, else its drawn trace groups)."""
    return plot.evaluate("g => (g.data && g.data.length) || g.querySelectorAll('g.trace').length")


def _assert_figures_drawn(pg, n):
    """At least ``n`` plotly figures in the current notebook, each an SVG with at least one trace."""
    pg.wait_for_function("""(n) => {
        const nb = window.jupyterapp.shell.currentWidget.node;
        const drawn = [...nb.querySelectorAll('.js-plotly-plot')].filter(
            g => g.querySelector('svg.main-svg') && ((g.data && g.data.length) || g.querySelector('g.trace')));
        return drawn.length >= n;
    }""", arg=n, timeout=60_000)
    plots = pg.locator(".jp-NotebookPanel:visible .js-plotly-plot")
    assert plots.count() >= n
    for i in range(plots.count()):
        assert plots.nth(i).locator("svg.main-svg").count() >= 1, f"plotly figure {i} has no SVG"
        assert _traces(plots.nth(i)) >= 1, f"plotly figure {i} has no traces"


def test_hyperparameter_panel_in_the_browser(page, lab):
    state = _open_and_run_all(page, "08_hyperparameters.ipynb", lab)
    _assert_figures_drawn(page, state["plotly"] + 1)     # the cells' figures and the panel's
    assert not _page_errors(page), _page_errors(page)

    run = page.locator("button.jupyter-button", has_text="Run")
    panel = (page.locator(".widget-vbox")
             .filter(has=page.locator(".widget-slider"))
             .filter(has=run)
             .filter(has=page.locator(".js-plotly-plot"))
             .last)
    panel.wait_for(timeout=60_000)
    panel.scroll_into_view_if_needed()
    figure = panel.locator(".js-plotly-plot").last
    before = _traces(figure)
    assert before >= 1, "the panel's first run drew no curve"
    summary_before = " ".join(panel.locator(".widget-html").all_inner_texts())

    slider = panel.locator(".widget-slider").first
    label = slider.locator(".widget-label").first.inner_text().strip()
    readout = slider.locator(".widget-readout")
    old_value = readout.inner_text().strip()
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    new_value = readout.inner_text().strip()
    if new_value == old_value:      # no keyboard support: drag the handle to the right instead
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        new_value = readout.inner_text().strip()
    assert new_value != old_value, f"slider {label} did not move (still {old_value})"

    panel.locator("button.jupyter-button", has_text="Run").first.click()
    page.wait_for_function("""([panel, before]) => {
        const plots = panel.querySelectorAll('.js-plotly-plot');
        const g = plots[plots.length - 1];
        if (!g) return false;
        const n = (g.data && g.data.length) || g.querySelectorAll('g.trace').length;
        return n > before && !panel.querySelector('button.jupyter-button[disabled]');
    }""", arg=[panel.element_handle(), before], timeout=RUN_BUTTON_TIMEOUT_S * 1000)
    after = _traces(panel.locator(".js-plotly-plot").last)
    summary = " ".join(panel.locator(".widget-html").all_inner_texts())   # the S / U / H line
    print(f"panel: {label} {old_value} -> {new_value}; traces {before} -> {after}; {summary!r}")
    print("page messages:", page.js_errors)
    assert after > before, (before, after)
    assert summary != summary_before and "Error" not in summary, summary
    assert f"{label}={new_value}" in summary, f"the run did not use the slider's value {label}={new_value}: {summary}"

    # The split toggle: the validation curves leave the figure on *test*, and return on *validation*.
    el = panel.element_handle()          # the panel itself (the locator above filters on its figure)

    def texts():
        return " ".join(h.inner_text() for h in el.query_selector_all(".widget-html"))
    el.query_selector("button:has-text('test')").click()
    page.wait_for_function("p => ![...p.querySelectorAll('.js-plotly-plot')].some(g => g.offsetParent !== null)",
                           arg=el, timeout=30_000)
    assert "test" in texts() and "validation:" not in texts(), texts()
    el.query_selector("button:has-text('validation')").click()
    page.wait_for_function("""([p, n]) => { const g = [...p.querySelectorAll('.js-plotly-plot')].pop();
        return g && g.offsetParent !== null && ((g.data && g.data.length) || g.querySelectorAll('g.trace').length) === n; }""",
                           arg=[el, after], timeout=30_000)
    assert "validation:" in texts(), texts()
    assert not _page_errors(page), _page_errors(page)
    assert not page.evaluate(_STATE_JS)["errors"]


def test_feature_views_draw_in_the_browser(page, lab):
    state = _open_and_run_all(page, "09_feature_views.ipynb", lab)
    assert state["plotly"] >= 1, "09_feature_views produced no plotly figure"
    _assert_figures_drawn(page, state["plotly"])
    print("09:", state, "page messages:", page.js_errors)
    assert not _page_errors(page), _page_errors(page)
