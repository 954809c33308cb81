#!/usr/bin/env python3
"""Open an `mlrs report` page whose histories were thinned in headless Chromium (network cut
off) and, when the page offers it, ask for every point; print what was seen as JSON for
`report::report_draws_every_point_only_when_it_fits`.

    python report_full.py REPORT.html
"""
import json
import sys

from selenium.webdriver.common.by import By

from report_browser import console_problems, offline_chromium, wait_for

POINTS = "const b = document.querySelector('#charts .chart'); return b && +b.dataset.points"
NOTE = "const n = document.querySelector('#charts .thinned'); return n ? n.textContent : ''"


def main():
    driver = offline_chromium()
    out = {}
    try:
        driver.get("file://" + sys.argv[1])
        out["ready"] = bool(wait_for(driver, "return document.body.dataset.ready === '1'"))
        out["points_before"] = wait_for(driver, POINTS)
        out["note_before"] = driver.execute_script(NOTE)
        buttons = driver.find_elements(By.CSS_SELECTOR, "#charts button.load-full")
        out["button"] = len(buttons)
        if buttons:
            before = out["points_before"]
            buttons[0].click()
            wait_for(driver, POINTS.replace("return", f"return b && +b.dataset.points !== {before} &&"))
            out["points_after"] = driver.execute_script(POINTS)
            out["note_after"] = driver.execute_script(NOTE)
        out["console"] = console_problems(driver)
    finally:
        driver.quit()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
