"""The live dashboard (`stats uri` in a `mode http` frontend) in a real
browser: Debian's Chromium, headless, driven by chromedriver through
Selenium. The page loads nothing from elsewhere, shows the database's
state and capacity, and its plot and state change when the database
resumes for a client and pauses on request. The test leaves a screenshot
(in BOREALIS_SCREENSHOT_DIR when set, for docs/operations.md)."""

import os
import shutil
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

import harness

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def browser(test):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1100,900",
                     f"--user-data-dir={test.tmp.join('chromium-profile')}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER,
                                              log_output=test.tmp.join("chromedriver.log")),
                              options=options)
    test.addCleanup(driver.quit)
    return driver


class DashboardTest(harness.ServerlessTestCase):

    def setUp(self):
        super().setUp()
        self.api = self.tmp.join("admin.sock")
        self.port = harness.free_port()
        datadir = self.new_datadir()
        listen = harness.free_port()
        config = harness.serverless_config(
            listen, harness.database_section(datadir, auto_pause="1h"),
            global_lines=(f"stats socket {self.api} mode 600 level admin",)) + f"""
frontend dashboard
    mode http
    bind {harness.LOCAL}:{self.port}
    stats enable
    stats uri /
    stats refresh 500ms
    no log
"""
        proxy = self.start_proxy(config)
        harness.wait_serverless_listening(proxy, listen)
        self.db = harness.Serverless(proxy, listen, datadir)

    def shown(self, driver):
        """What the page shows now, read in one script call (the page
        redraws every refresh: element handles would go stale)."""
        return driver.execute_script("""
            const state = document.querySelector('.database[data-database="app"] .state');
            const line = document.querySelector('#plot-app polyline.capacity');
            const fe = document.querySelector('#proxies tr[data-proxy="fe"] td:nth-child(4)');
            return {
              state: state && state.dataset.state,
              bands: [...document.querySelectorAll('#plot-app rect.state')]
                       .map(r => r.dataset.state),
              capacity: line && parseFloat(line.dataset.lastCapacity),
              sessions: fe && fe.textContent,
              rows: [...document.querySelectorAll('#proxies tbody tr')]
                      .map(r => [r.dataset.proxy, r.dataset.service]),
            };""")

    def wait_shown(self, driver, predicate, message, timeout=30):
        harness.wait_until(lambda: predicate(self.shown(driver)), timeout, 0.2, message)
        return self.shown(driver)

    def test_states_and_plot_follow_the_database(self):
        """Defect: a page that needs the internet, a state or plot that does
        not change when the database resumes or pauses, a table without
        the proxies."""
        driver = browser(self)
        driver.get(f"http://{harness.LOCAL}:{self.port}/")
        shown = self.wait_shown(driver, lambda p: p["state"] == "paused_deep", "paused shown")
        # No outside assets: every resource the page loaded is borealis's.
        resources = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
        self.assertTrue(resources, "the page polls its JSON")
        for name in resources:
            self.assertTrue(name.startswith(f"http://{harness.LOCAL}:{self.port}/"), name)
        self.assertEqual(shown["rows"], [["fe", "FRONTEND"], ["be", "app"], ["be", "BACKEND"],
                                         ["dashboard", "FRONTEND"]])
        self.assertEqual(shown["bands"][-1], "paused_deep")

        # A client resumes it: the state, the band and the capacity line follow.
        conn = self.db.connect()
        try:
            shown = self.wait_shown(
                driver, lambda p: p["state"] == "running" and p["bands"][-1] == "running",
                "running shown, band ends running")
            self.assertGreater(shown["capacity"], 0)
            with conn.cursor() as cur:  # a stretch of work, for the screenshot's plot
                for _ in range(20):
                    cur.execute("SELECT SLEEP(0.1)")
            self.wait_shown(driver, lambda p: p["sessions"] == "1", "the session shown")
        finally:
            harness.close_quietly(conn)

        # Paused on request: back to paused, after a running stretch.
        harness.wait_until(
            lambda: harness.socat(self.api, "pause database app\n") == "\n", 20, 0.2,
            "pause accepted once the session is gone")
        shown = self.wait_shown(
            driver, lambda p: p["state"] == "paused_deep" and p["bands"][-1] == "paused_deep",
            "paused shown again, band ends paused")
        self.assertIn("running", shown["bands"])
        self.assertLess(shown["bands"].index("running"), len(shown["bands"]) - 1)
        self.assertEqual(shown["capacity"], 0)
        shot = self.tmp.join("dashboard.png")
        driver.save_screenshot(shot)
        self.assertGreater(os.path.getsize(shot), 10000)
        if os.environ.get("BOREALIS_SCREENSHOT_DIR"):
            shutil.copy(shot, os.path.join(os.environ["BOREALIS_SCREENSHOT_DIR"],
                                           "dashboard.png"))


if __name__ == "__main__":
    unittest.main()
