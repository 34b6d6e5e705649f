"""The dashboard in a real browser: Debian's chromium, headless, driven by
Selenium through Debian's chromedriver. Run by DashboardBrowserTests (Swift)
inside the test cluster's network namespace, after it made the objects named
by the arguments; prints one line per step and exits non-zero on the first
failure, with what the page showed.

    python dashboard_test.py --url https://127.0.0.1:PORT --admin-token T \
        --viewer-token T --doomed-token T --pod NAME --deployment web \
        --secret NAME --log-token TEXT [--screenshots DIR]
"""
import argparse
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

args = None
driver = None


def step(text):
    print(f"dashboard: {text}", flush=True)


def fail(text):
    page = driver.find_element(By.TAG_NAME, "body").text if driver else ""
    print(f"dashboard: FAILED: {text}\n--- page text ---\n{page[:4000]}", flush=True)
    if driver:
        logs = driver.get_log("browser")
        print("--- browser console ---\n" + "\n".join(str(l) for l in logs[-30:]), flush=True)
    sys.exit(1)


def wait(what, condition, seconds=30):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.2).until(lambda d: condition())
    except TimeoutException:
        fail(f"timed out after {seconds}s waiting for {what}")


def css(selector):
    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0] if found else None


def text_of(selector):
    """The element's visible text, read in one step (the page redraws live lists)."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", selector)


def shot(name):
    if args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
        driver.save_screenshot(os.path.join(args.screenshots, name + ".png"))


def api(path, token):
    """The API as the given token, outside the browser (for checks)."""
    req = urllib.request.Request(args.url + path, headers={"Authorization": "Bearer " + token})
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(req, context=context, timeout=10) as res:
        return json.loads(res.read())


def go(hash_path):
    driver.execute_script("location.hash = arguments[0]", hash_path)


def login(token):
    driver.get(args.url + "/dashboard/")
    wait("the login form", lambda: css("#login-token") and css("#login-token").is_displayed())
    box = css("#login-token")
    box.clear()
    box.send_keys(token)
    css("#login-submit").click()


def confirm():
    wait("the confirmation dialog", lambda: css("#modal") and css("#modal").is_displayed())
    css("#modal-ok").click()


def main():
    global args, driver
    p = argparse.ArgumentParser()
    for name in ["url", "node", "admin-token", "viewer-token", "doomed-token", "pod", "deployment", "secret", "log-token", "doomed-sa"]:
        p.add_argument("--" + name, required=True)
    p.add_argument("--namespace", default="default")
    p.add_argument("--screenshots")
    args = p.parse_args()

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--ignore-certificate-errors",
                 "--window-size=1400,900", "--disable-gpu", "--no-first-run", "--disable-extensions"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    try:
        run()
    finally:
        driver.quit()


def run():
    ns = args.namespace
    # Every asset comes from this server: no request leaves for the internet.
    # The first load also starts chromium's renderer: generous under a loaded CI machine.
    driver.get(args.url + "/dashboard/")
    wait("the login form", lambda: css("#login-token"), seconds=120)
    sources = driver.execute_script(
        "return [...document.scripts].map(s => s.src).concat([...document.querySelectorAll('link')].map(l => l.href))")
    foreign = [s for s in sources if s and not s.startswith(args.url) and s != "data:,"]
    if foreign:
        fail(f"assets from elsewhere: {foreign}")
    if not driver.execute_script("return typeof Terminal === 'function' && typeof Chart === 'function'"):
        fail("xterm.js or Chart.js did not load from the server")
    step("the page and its scripts (xterm.js, Chart.js from Debian's packages) come from the API server")

    # A forged token is refused at login.
    login("forged.token.value")
    wait("the refusal", lambda: "refused" in text_of("#login-error"))
    step("a forged token is refused: " + text_of("#login-error"))

    # The admin logs in: the overview lists the node, counts pods by phase.
    login(args.admin_token)
    wait("the overview", lambda: css("#nodes") and "Ready" in text_of("#nodes"))
    wait("pods by phase", lambda: "Running" in text_of("#pod-phases"))
    step("overview: " + text_of("#nodes").replace("\n", " | "))
    shot("overview")

    # 1,000 pods: listed page by page, drawn only where the window shows them.
    wait("the crowd namespace", lambda: css('#namespace option[value="crowd"]'))
    Select(css("#namespace")).select_by_value("crowd")
    started = time.monotonic()
    go("#/list/pods")
    wait("1,000 pods listed", lambda: text_of(".toolbar .count") == "1000 of 1000", seconds=60)
    listed = time.monotonic() - started
    drawn = len(driver.find_elements(By.CSS_SELECTOR, ".grid .row"))
    if drawn > 100:
        fail(f"{drawn} rows in the page for 1,000 pods: the table should draw only those in view")
    driver.execute_script("const s = document.querySelector('.grid .scroller'); s.scrollTop = s.scrollHeight;")
    wait("the last pod after scrolling", lambda: css('.row[data-name="crowd-0999"]'))
    step(f"1,000 pods listed in {listed:.2f} s, {drawn} rows drawn; scrolled to the last")
    Select(css("#namespace")).select_by_value("")

    # The pod list is live: the pod is there, from a list and a watch.
    go("#/list/pods")
    wait("all namespaces' pods", lambda: text_of(".toolbar .count").endswith(" of 1001"))
    css("#filter").send_keys(args.pod)
    wait("the pod alone in the list", lambda: text_of(".toolbar .count") == "1 of 1001")
    wait("the pod in the list", lambda: css(f'.row[data-name="{args.pod}"]'))
    shot("pods")
    driver.execute_script("document.querySelector(arguments[0]).click()", f'.row[data-name="{args.pod}"]')
    wait("the pod's containers", lambda: "Running" in text_of("#containers"))
    step("pod detail: " + text_of("#containers").replace("\n", " | "))
    shot("pod")

    # Live logs: lines keep coming while followed; search marks them.
    [b for b in driver.find_elements(By.CSS_SELECTOR, ".tabs button") if b.text == "Logs"][0].click()
    wait("the pod's log", lambda: args.log_token in text_of("#log"))
    first = text_of("#log").count(args.log_token)
    wait("more lines, followed live", lambda: text_of("#log").count(args.log_token) > first + 2, seconds=30)
    css("#log-search").send_keys(args.log_token)
    wait("search results", lambda: "match" in driver.find_element(By.CSS_SELECTOR, "#tab-body .toolbar .count").text)
    step(f"logs followed live ({first} lines, then more); search: "
         + driver.find_element(By.CSS_SELECTOR, "#tab-body .toolbar .count").text)
    shot("logs")

    # The cluster's logs, tailed live over Loki's tail websocket.
    go("#/logs")
    wait("the cluster logs view", lambda: css("#logql"))
    box = css("#logql")
    box.clear()
    box.send_keys(f'{{namespace="{ns}", pod="{args.pod}"}}')
    css("#logql-live").click()
    wait("tailed lines", lambda: args.log_token in text_of("#cluster-log"), seconds=30)
    first = text_of("#cluster-log").count(args.log_token)
    wait("more tailed lines", lambda: text_of("#cluster-log").count(args.log_token) > first + 2, seconds=30)
    numbers = [l.split()[-2] for l in text_of("#cluster-log").splitlines() if l.endswith(args.log_token)]
    if len(numbers) != len(set(numbers)):
        fail(f"the tail sent a line twice: {sorted(numbers)}")
    step("cluster logs tailed live, each line once: " + text_of("#logql-status"))
    shot("cluster-logs")
    driver.back()
    wait("the pod again", lambda: css(".tabs"))

    # A terminal into the container, through the API server's exec websocket.
    [b for b in driver.find_elements(By.CSS_SELECTOR, ".tabs button") if b.text == "Terminal"][0].click()
    css("#term-connect").click()
    wait("the terminal to connect", lambda: text_of("#term-status") == "connected")
    wait("the prompt", lambda: "#" in text_of("#terminal") or "$" in text_of("#terminal"), seconds=15)
    box = css("#terminal textarea")
    box.send_keys("echo dash-$((6*7))\n")
    wait("the command's output", lambda: "dash-42" in text_of("#terminal"))
    step("terminal: typed a command and read its output")
    shot("terminal")

    # The metrics tab draws from the metrics API when there is no Prometheus.
    [b for b in driver.find_elements(By.CSS_SELECTOR, ".tabs button") if b.text == "Metrics"][0].click()
    wait("the charts", lambda: css("#cpu-chart") and text_of("#metrics-source"))
    step("metrics: " + text_of("#metrics-source"))

    # Scale the Deployment, confirmed; the page follows the change.
    go(f"#/object/deployments/{ns}/{args.deployment}")
    wait("the deployment", lambda: css("#action-scale"))
    css("#action-scale").click()
    wait("the replicas box", lambda: css("#scale-replicas"))
    box = css("#scale-replicas")
    box.clear()
    box.send_keys("2")
    confirm()
    wait("spec.replicas 2", lambda: api(f"/apis/apps/v1/namespaces/{ns}/deployments/{args.deployment}", args.admin_token)["spec"]["replicas"] == 2)
    wait("the summary to show 2 desired", lambda: "/ 2 desired" in text_of("#tab-body"))
    step("scaled the deployment to 2 replicas")

    # Edit its YAML: the diff before saving, then server-side apply.
    [b for b in driver.find_elements(By.CSS_SELECTOR, ".tabs button") if b.text == "YAML"][0].click()
    wait("the YAML", lambda: "kind: Deployment" in text_of("#yaml"))
    css("#edit-yaml").click()
    driver.execute_script(
        "const e = document.getElementById('editor'); e.value = e.value.replace(/^  labels:\\n/m, '  labels:\\n    edited-by: dashboard\\n');")
    css("#review").click()
    wait("the diff", lambda: "+     edited-by: dashboard" in text_of("#diff"))
    shot("yaml-diff")
    css("#save").click()
    confirm()
    wait("the label applied", lambda: api(f"/apis/apps/v1/namespaces/{ns}/deployments/{args.deployment}",
                                           args.admin_token)["metadata"].get("labels", {}).get("edited-by") == "dashboard")
    step("edited the YAML: diff shown, applied server-side")

    # Restart the rollout, as kubectl rollout restart: the template's restartedAt annotation.
    css("#action-restart").click()
    confirm()
    wait("the restartedAt annotation", lambda: "kubectl.kubernetes.io/restartedAt" in api(
        f"/apis/apps/v1/namespaces/{ns}/deployments/{args.deployment}", args.admin_token)["spec"]["template"]["metadata"].get("annotations", {}))
    step("restarted the rollout")

    # Cordon the node, drain it (its pods evicted), then uncordon it.
    go(f"#/object/nodes/-/{args.node}")
    wait("the node", lambda: css("#action-cordon"))
    css("#action-cordon").click()
    confirm()
    wait("the node cordoned", lambda: api(f"/api/v1/nodes/{args.node}", args.admin_token)["spec"].get("unschedulable") is True)
    css("#action-drain").click()
    confirm()
    wait("the drain's report", lambda: "drained" in text_of("#toast"), seconds=60)
    step("node: " + text_of("#toast").splitlines()[-1])
    css("#action-cordon").click()
    confirm()
    wait("the node uncordoned", lambda: not api(f"/api/v1/nodes/{args.node}", args.admin_token)["spec"].get("unschedulable"))
    step("cordoned, drained and uncordoned the node")

    # A Secret's values stay hidden until asked for.
    go(f"#/object/secrets/{ns}/{args.secret}")
    wait("the secret's data", lambda: css("#data"))
    if "s3cr3t-value" in text_of("#data"):
        fail("a secret value was shown before it was asked for")
    css("#data .reveal").click()
    wait("the revealed value", lambda: "s3cr3t-value" in text_of("#data"))
    step("secret values hidden until shown")

    # The viewer may look but not scale: RBAC's refusal is shown.
    css("#logout").click()
    login(args.viewer_token)
    wait("the overview as the viewer", lambda: css("#nodes"))
    go(f"#/object/deployments/{ns}/{args.deployment}")
    wait("the deployment as the viewer", lambda: css("#action-scale"))
    css("#action-scale").click()
    confirm()
    wait("the refusal", lambda: "forbidden" in text_of("#toast"))
    step("viewer refused: " + text_of("#toast").splitlines()[0])
    shot("refused")
    if api(f"/apis/apps/v1/namespaces/{ns}/deployments/{args.deployment}", args.admin_token)["spec"]["replicas"] != 2:
        fail("the viewer's scale went through")

    # A token revoked mid-session (its service account deleted) is refused on
    # the next request, and the page asks to log in again.
    css("#logout").click()
    login(args.doomed_token)
    wait("the overview as the doomed user", lambda: css("#nodes"))
    subprocess.run(["kubectl", "--kubeconfig", os.environ["KUBECONFIG"], "delete", "serviceaccount", args.doomed_sa, "-n", ns],
                   check=True, capture_output=True)
    time.sleep(11)  # the API server keeps an accepted service account token for 10 s
    go("#/list/deployments")
    wait("the login page again", lambda: css("#login") and css("#login").is_displayed(), seconds=30)
    step("revoked token refused: " + text_of("#login-error"))
    print("dashboard: ok", flush=True)


if __name__ == "__main__":
    main()
