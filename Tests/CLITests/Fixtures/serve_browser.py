"""Drives the `why401 serve` page in a real browser (Debian's chromium, headless, through
chromium-driver and Selenium) and prints what the page showed as one JSON object.

Run by Tests/CLITests/ServeTests.swift with one argument, a JSON object:
  base, chromium, chromedriver, artifacts, profile  paths and the server's base URL
  curl      a pasted curl line for a lab scenario
  har       path of a HAR file
  check     {"url", "user", "password"} for the URL form
  secrets   strings that must appear nowhere in the page or the downloadable report
"""

import base64
import json
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ARGS = json.loads(sys.argv[1])
WAIT = 90


def browser(javascript, profile):
    options = Options()
    options.binary_location = ARGS["chromium"]
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1200,1500", "--user-data-dir=" + profile, "--no-first-run"):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(service=Service(ARGS["chromedriver"]), options=options)


def report_for(driver, command):
    """Waits until the result area holds the report of `command`; returns the cause it shows."""
    def ready(d):
        for report in d.find_elements(By.CSS_SELECTOR, "#result .report"):
            text = report.find_element(By.CSS_SELECTOR, ".command").get_attribute("textContent")
            if text == "why401 " + command:
                return report.find_element(By.CSS_SELECTOR, ".cause").get_attribute("textContent")
        failures = d.find_elements(By.CSS_SELECTOR, "#result .failure")
        if failures:
            raise AssertionError("the page shows a failure: " + failures[0].get_attribute("textContent"))
        return False
    # The script replaces the result while the wait looks at it: a stale element means "look again".
    return WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(ready)


def leaks(text):
    return [s for s in ARGS["secrets"] if s and s in text]


def open_section(driver, section):
    details = driver.find_element(By.ID, section)
    if details.get_attribute("open") is None:
        details.find_element(By.TAG_NAME, "summary").click()


def with_script(out):
    driver = browser(True, ARGS["profile"] + "-js")
    try:
        driver.get(ARGS["base"] + "/")
        # Every text the status line shows, to see the "checking…" state however fast the lab answers.
        driver.execute_script("""
            window.__seen = []; window.__noReload = true;
            var s = document.getElementById('status');
            new MutationObserver(function () { window.__seen.push(s.textContent); })
              .observe(s, {childList: true, characterData: true, subtree: true, attributes: true});
        """)
        driver.find_element(By.ID, "command").send_keys(ARGS["curl"])
        driver.find_element(By.CSS_SELECTOR, "#in-curl button[type=submit]").click()
        out["curl"] = report_for(driver, "curl")
        out["statuses"] = driver.execute_script("return window.__seen")
        out["no_reload"] = driver.execute_script("return window.__noReload === true")
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(os.path.join(ARGS["artifacts"], "serve-curl-result.png"))

        # The self-contained copy behind "Download this report".
        href = driver.find_element(By.CSS_SELECTOR, "#result a.download").get_attribute("href")
        prefix = "data:text/html;charset=utf-8;base64,"
        document = base64.b64decode(href[len(prefix):]).decode("utf-8") if href.startswith(prefix) else ""
        out["download"] = {
            "self_contained": document.startswith("<!DOCTYPE html>") and "<script" not in document
            and "<link" not in document and "src=" not in document,
            "cause": out["curl"] in document,
            "leaks": leaks(document),
        }
        with open(os.path.join(ARGS["artifacts"], "serve-downloaded-report.html"), "w") as f:
            f.write(document)

        # Print: the style sheet hides the forms; the PDF is kept as an artifact.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        out["print_hides_forms"] = not driver.find_element(By.CSS_SELECTOR, "main.inputs").is_displayed()
        out["print_shows_report"] = driver.find_element(By.CSS_SELECTOR, "#result .report").is_displayed()
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
        with open(os.path.join(ARGS["artifacts"], "serve-report.pdf"), "wb") as f:
            f.write(base64.b64decode(pdf["data"]))

        # A phone: no sideways scrolling.
        driver.set_window_size(390, 844)
        out["phone_overflow"] = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        driver.save_screenshot(os.path.join(ARGS["artifacts"], "serve-phone.png"))
        driver.set_window_size(1200, 1500)

        # A HAR through the file input (the page submits it when a file is chosen, as when dropped).
        open_section(driver, "in-har")
        driver.find_element(By.ID, "har").send_keys(ARGS["har"])
        out["har"] = (report_for(driver, "har"))

        # URL + user + password.
        open_section(driver, "in-url")
        driver.find_element(By.ID, "url").send_keys(ARGS["check"]["url"])
        driver.find_element(By.ID, "user").send_keys(ARGS["check"]["user"])
        driver.find_element(By.ID, "password").send_keys(ARGS["check"]["password"])
        driver.find_element(By.CSS_SELECTOR, "#in-url button[type=submit]").click()
        out["check"] = (report_for(driver, "check"))
        out["no_reload"] = out["no_reload"] and driver.execute_script("return window.__noReload === true")
        out["leaks"] = leaks(driver.page_source)
    finally:
        driver.quit()


def without_script(out):
    driver = browser(False, ARGS["profile"] + "-nojs")
    try:
        driver.get(ARGS["base"] + "/")
        driver.find_element(By.ID, "command").send_keys(ARGS["curl"])
        driver.find_element(By.CSS_SELECTOR, "#in-curl button[type=submit]").click()
        out["curl"] = (report_for(driver, "curl"))
        # A plain form post: the browser navigated to the form's action, and the print button, which
        # only the script shows, is still hidden.
        out["navigated"] = driver.current_url.endswith("/curl")
        out["script_off"] = driver.find_element(By.CSS_SELECTOR, "#result button.print").get_attribute(
            "hidden") is not None
        out["leaks"] = leaks(driver.page_source)

        driver.get(ARGS["base"] + "/")
        open_section(driver, "in-har")
        driver.find_element(By.ID, "har").send_keys(ARGS["har"])
        driver.find_element(By.CSS_SELECTOR, "#in-har button[type=submit]").click()
        out["har"] = (report_for(driver, "har"))
        driver.save_screenshot(os.path.join(ARGS["artifacts"], "serve-nojs-har.png"))
    finally:
        driver.quit()


def main():
    result = {"js": {}, "nojs": {}}
    with_script(result["js"])
    without_script(result["nojs"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
