#!/usr/bin/env python3
"""Drive an `mlrs report` page in real headless Chromium (Selenium + chromedriver) with the
network cut off, and print what was observed as one JSON document; the Rust test
`report::report_works_in_headless_chromium` judges it.

    python report_browser.py REPORT.html SCREENSHOT.png SORT_KEY FILTER_TEXT MLFLOW_FILTER BAD_FILTER
"""
import json
import struct
import sys
import tempfile
import time
import zlib

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def wait_for(driver, script, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    return driver.execute_script(script)


def png_colours(png):
    """How many distinct pixel byte values the PNG holds (a blank page has one or two)."""
    pos, idat, width = 8, b"", 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width = struct.unpack(">I", data[:4])[0]
        if kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw = zlib.decompress(idat)
    return len(set(raw[:: 7])), width


def column_values(driver, key):
    return driver.execute_script(
        """
        const ths = Array.from(document.querySelectorAll('#runs thead th'));
        const k = ths.findIndex(th => th.dataset.key === arguments[0]);
        return Array.from(document.querySelectorAll('#runs tbody tr'))
            .map(tr => tr.children[k].textContent.replace(' ★', ''));
        """,
        key,
    )


def chart_pixels(driver):
    """Per chart canvas: how many pixels are painted in a strong colour (the run lines)."""
    return driver.execute_script(
        """
        return Array.from(document.querySelectorAll('#charts canvas')).map(cv => {
            const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) {
                const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
                if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 80) n++;
            }
            return n;
        });
        """
    )


def canvas_ink(driver, selector):
    """How many pixels of the canvas are painted (not blank, not white)."""
    return driver.execute_script(
        """
        const cv = document.querySelector(arguments[0]);
        const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) n++;
        return n;
        """,
        selector,
    )


def chart_image(driver):
    return driver.execute_script("return document.querySelector('#charts canvas').toDataURL()")


def headers(driver):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#runs thead th[data-key]')).map(th => th.dataset.key)")


def set_value(driver, element_id, value, event):
    driver.execute_script(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event(arguments[2]))", element_id, value, event)
    time.sleep(0.5)


def offline_chromium():
    """Headless Chromium with the network cut off, its console kept for `console_problems`."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="mlrs-chromium-")
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1400,1800",
                 # Anything that tried the network would meet a closed port.
                 "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    return driver


def console_problems(driver):
    """The page's console errors and warnings."""
    return [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]


def main():
    page, shot, sort_key, text_filter, mlflow_filter, bad_filter = sys.argv[1:7]
    out = {}
    driver = offline_chromium()
    try:
        start = time.time()
        driver.get("file://" + page)
        out["ready"] = bool(wait_for(driver, "return document.body.dataset.ready === '1'"))
        out["ready_seconds"] = time.time() - start
        out["resources"] = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
        out["rows"] = len(driver.find_elements(By.CSS_SELECTOR, "#runs tbody tr"))

        # Sort: ascending, then descending.
        header = f'#runs thead th[data-key="{sort_key}"]'
        driver.find_element(By.CSS_SELECTOR, header).click()
        out["sorted_asc"] = column_values(driver, sort_key)
        driver.find_element(By.CSS_SELECTOR, header).click()
        out["sorted_desc"] = column_values(driver, sort_key)
        out["best_cells"] = driver.execute_script(
            "return Array.from(document.querySelectorAll('#runs td.best')).map(td => td.textContent)")

        # Filter: a substring, then MLflow's syntax, then nothing.
        box = driver.find_element(By.ID, "filter")
        box.send_keys(text_filter)
        time.sleep(0.4)
        out["text_filtered_names"] = column_values(driver, "run_name")
        box.clear()
        box.send_keys(mlflow_filter)
        time.sleep(0.4)
        out["mlflow_filtered"] = column_values(driver, sort_key)
        out["filter_error"] = driver.find_element(By.ID, "filter-error").text
        box.clear()
        box.send_keys(bad_filter)
        time.sleep(0.4)
        out["bad_filter_error"] = driver.find_element(By.ID, "filter-error").text
        driver.execute_script("const b = document.getElementById('filter'); b.value = ''; b.dispatchEvent(new Event('input'))")
        time.sleep(0.4)

        # Selection drives the charts: none selected, no lines; two selected, their lines.
        driver.find_element(By.XPATH, "//button[text()='Clear selection']").click()
        time.sleep(0.3)
        out["pixels_none_selected"] = chart_pixels(driver)
        boxes = driver.find_elements(By.CSS_SELECTOR, "#runs tbody input.select-run")
        boxes[0].click()
        boxes[1].click()
        wait_for(driver, "return document.querySelectorAll('#charts canvas').length > 0")
        time.sleep(0.5)
        out["pixels_two_selected"] = chart_pixels(driver)
        out["legend"] = driver.execute_script(
            "return Array.from(document.querySelectorAll('#charts .u-legend .u-label')).map(e => e.textContent)")

        # Chart controls: smoothing adds a faint raw line per run; log y and x by time redraw;
        # dragging over a chart zooms in, a double click zooms out.
        set_value(driver, "smooth", "0.6", "input")
        out["legend_smoothed"] = driver.execute_script(
            "return Array.from(document.querySelectorAll('#charts .u-legend .u-label')).map(e => e.textContent)")
        before = chart_image(driver)
        driver.find_element(By.ID, "log-y").click()
        time.sleep(0.5)
        out["log_y_redraws"] = chart_image(driver) != before
        set_value(driver, "x-axis", "time", "change")
        out["pixels_by_time"] = chart_pixels(driver)
        set_value(driver, "x-axis", "step", "change")
        over = driver.find_element(By.CSS_SELECTOR, "#charts .u-over")
        before = chart_image(driver)
        ActionChains(driver).move_to_element_with_offset(over, -150, 0).click_and_hold() \
            .move_by_offset(120, 0).release().perform()
        time.sleep(0.4)
        zoomed = chart_image(driver)
        out["zoom_redraws"] = zoomed != before
        ActionChains(driver).double_click(over).perform()
        time.sleep(0.4)
        out["unzoom_redraws"] = chart_image(driver) != zoomed

        # Scatter and parallel coordinates are drawn.
        out["scatter_ink"] = canvas_ink(driver, "#scatter")
        out["parallel_ink"] = canvas_ink(driver, "#parallel")

        # Column chooser and only-changed.
        out["columns"] = headers(driver)
        driver.find_element(By.CSS_SELECTOR, "#column-chooser summary").click()
        driver.find_element(By.CSS_SELECTOR, '#column-chooser input[data-key="run_id"]').click()
        driver.execute_script("document.getElementById('column-chooser').open = false")
        time.sleep(0.2)
        out["columns_with_run_id"] = headers(driver)
        driver.find_element(By.ID, "only-changed").click()
        time.sleep(0.2)
        out["columns_only_changed"] = headers(driver)

        # A run's details (params, tags, artifacts), and the registered models.
        driver.find_element(By.CSS_SELECTOR, "#runs tbody td.link").click()
        time.sleep(0.2)
        out["details"] = driver.find_element(By.ID, "details").text
        out["models"] = driver.find_element(By.ID, "models").text
        out["title"] = driver.title

        png = driver.get_screenshot_as_png()
        with open(shot, "wb") as f:
            f.write(png)
        out["screenshot_colours"], out["screenshot_width"] = png_colours(png)
        out["console"] = console_problems(driver)
    finally:
        driver.quit()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
