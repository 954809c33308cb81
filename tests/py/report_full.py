#!/usr/bin/env python3
"""Open an `mlrs report` page whose histories were thinned in headless Chromium (network cut
off) and, when the page offers it, ask for every point; print what was seen as JSON for
`report::report_draws_every_point_only_when_it_fits`.

    python report_full.py REPORT.html
"""
import json
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from report_browser import CHROMEDRIVER, CHROMIUM, wait_for

POINTS = "const b = document.querySelector('#charts .chart'); return b && +b.dataset.points"
NOTE = "const n = document.querySelector('#charts .thinned'); return n ? n.textContent : ''"


def main():
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='mlrs-chromium-')}", "--window-size=1400,1800",
                 "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    out = {}
    try:
        driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
        driver.get("file://" + sys.argv[1])
        out["ready"] = bool(wait_for(driver, "return document.body.dataset.ready === '1'"))
        out["points_before"] = wait_for(driver, POINTS)
        out["note_before"] = driver.execute_script(NOTE)
        buttons = driver.find_elements(By.CSS_SELECTOR, "#charts button.load-full")
        out["button"] = len(buttons)
        if buttons:
            before = out["points_before"]
            buttons[0].click()
            out["points_after"] = wait_for(driver, POINTS.replace("return", f"return b && +b.dataset.points !== {before} &&"))
            out["points_after"] = driver.execute_script(POINTS)
            out["note_after"] = driver.execute_script(NOTE)
        out["console"] = [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]
    finally:
        driver.quit()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
