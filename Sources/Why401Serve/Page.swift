import HTTPAuth
import Report

/// The page of `why401 serve`: five forms that work as plain form posts, a script that only
/// improves them (results without a reload, a "checking…" state with the seconds elapsed, HAR drag
/// and drop), and the report as `HTMLRenderer` renders it. Forms are never filled in from a request:
/// what was typed (a password, a token) is never sent back.
enum Page {
    static func page(result: String?, version: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="same-origin">
        <title>why401 — why is this request answered 401?</title>
        <style>\(HTMLRenderer.style)\n\(style)</style>
        <script src="/app.js" defer></script>
        </head>
        <body>
        <header class="top noprint">
        <h1><a href="/">why401</a></h1>
        <p>Why is this request answered <strong>401 Unauthorized</strong>, and what to change. Paste a curl command, \
        drop a HAR, fill in a URL and credentials, or paste a WWW-Authenticate value or a JWT.</p>
        </header>
        <div id="status" class="status noprint" role="status" aria-live="polite" hidden></div>
        <div id="result">\(result ?? "")</div>
        <main class="inputs noprint">
        \(forms)
        </main>
        <footer class="noprint">why401 \(HTML.escape(version)) serve · runs on this machine · secrets you type are \
        sent only to the server you name, never stored or logged, and masked in every report · JSON API: \
        <code>POST /api/v1/check</code>, <code>/curl</code>, <code>/har</code>, <code>/jwt</code>, \
        <code>/challenge</code>, <code>GET /api/v1/explain/ID</code></footer>
        </body>
        </html>

        """
    }

    static let forms = """
        <details class="card" id="in-curl" open>
        <summary>Paste a curl command</summary>
        <form method="post" action="/curl" class="diagnose" data-progress="checking">
        <label for="command">“Copy as cURL” (bash or cmd), “Copy as PowerShell” or “Copy as fetch” from the \
        browser's developer tools</label>
        <textarea name="command" id="command" rows="5" required spellcheck="false" autocomplete="off" \
        autocapitalize="off" placeholder="curl 'https://api.example.com/me' -H 'authorization: Bearer …'"></textarea>
        <p class="hint">The request is sent as the command sends it, then a short check plan runs: at most 4 \
        requests carry the credentials, never to another origin. Files the command names are not read.</p>
        <button type="submit">Diagnose</button>
        </form>
        </details>

        <details class="card" id="in-har">
        <summary>Drop a HAR file</summary>
        <form method="post" action="/har" enctype="multipart/form-data" class="diagnose" data-progress="reading">
        <div class="drop" id="drop">
        <label for="har">Drop a .har export (DevTools → Network → “Save all as HAR”) here, or choose it:</label>
        <input type="file" name="har" id="har" accept=".har,.json,application/json" required>
        </div>
        <p class="hint">Read here, offline: nothing is sent anywhere. Up to 32 MiB.</p>
        <button type="submit">Diagnose</button>
        </form>
        </details>

        <details class="card" id="in-url">
        <summary>A URL and credentials</summary>
        <form method="post" action="/check" class="diagnose" data-progress="checking" autocomplete="off">
        <label for="url">URL that answers 401</label>
        <input type="text" name="url" id="url" inputmode="url" required spellcheck="false" autocapitalize="off" \
        placeholder="https://api.example.com/me">
        <div class="row">
        <div><label for="user">User</label><input type="text" name="user" id="user" autocapitalize="off"></div>
        <div><label for="password">Password</label><input type="password" name="password" id="password" \
        autocomplete="new-password"></div>
        </div>
        <label for="bearer">or a Bearer token</label>
        <input type="password" name="bearer" id="bearer" autocomplete="off" spellcheck="false">
        <div class="row">
        <label class="check"><input type="checkbox" name="digest" id="digest"> Digest (answer the server's \
        challenge, like curl --digest)</label>
        <div><label for="method">Method</label><select name="method" id="method">\
        <option>GET</option><option>HEAD</option><option>POST</option><option>PUT</option><option>PATCH</option>\
        <option>DELETE</option><option>OPTIONS</option></select></div>
        </div>
        <label for="headers">Extra headers, one “Name: value” per line (optional)</label>
        <textarea name="headers" id="headers" rows="2" spellcheck="false" autocapitalize="off"></textarea>
        <p class="hint">At most 4 requests carry the credentials; never to another origin or from https to http.</p>
        <button type="submit">Diagnose</button>
        </form>
        </details>

        <details class="card" id="in-challenge">
        <summary>A WWW-Authenticate value</summary>
        <form method="post" action="/challenge" class="diagnose" data-progress="reading">
        <label for="challenge">One header per line; the “WWW-Authenticate:” prefix may be included</label>
        <textarea name="headers" id="challenge" rows="3" required spellcheck="false" autocapitalize="off" \
        placeholder='Bearer realm="api", error="invalid_token", error_description="The access token expired"'>\
        </textarea>
        <div class="row">
        <label class="check"><input type="checkbox" name="proxy"> Proxy-Authenticate (a proxy asks, 407)</label>
        <div><label for="status-code">Status (optional)</label><input type="text" name="status" id="status-code" \
        inputmode="numeric" size="4" placeholder="401"></div>
        </div>
        <button type="submit">Read it</button>
        </form>
        </details>

        <details class="card" id="in-jwt">
        <summary>A JWT</summary>
        <form method="post" action="/jwt" class="diagnose" data-progress="reading" autocomplete="off">
        <label for="token">Token (eyJ…)</label>
        <textarea name="token" id="token" rows="3" required spellcheck="false" autocapitalize="off"></textarea>
        <label for="secret">HMAC secret to verify an HS256/384/512 signature (optional)</label>
        <input type="password" name="secret" id="secret" autocomplete="off">
        <div class="row">
        <div><label for="audience">Expected audience (optional)</label><input type="text" name="audience" \
        id="audience" autocapitalize="off"></div>
        <div><label for="issuer">Expected issuer (optional)</label><input type="text" name="issuer" id="issuer" \
        autocapitalize="off"></div>
        </div>
        <p class="hint">Decoded and checked here; the token and the secret never appear in the report.</p>
        <button type="submit">Inspect</button>
        </form>
        </details>
        """

    /// The report with its actions: a self-contained copy to download (a `data:` link, so it works
    /// without script and nothing is kept on the server), and print.
    static func result(_ diagnosed: Diagnosed) -> String {
        let report = diagnosed.report
        let document = HTMLRenderer.document(report)
        let href = "data:text/html;charset=utf-8;base64," + Base64.encode(Array(document.utf8))
        var h = "<div class=\"result\" id=\"report\">\n"
        if let reason = diagnosed.incomplete {
            h += "<div class=\"failure\" role=\"alert\"><p><strong>Could not complete:</strong> "
            h += "\(HTML.escape(reason.oneLine))</p></div>\n"
        }
        let file = "why401-\(report.command)-report.html".filter { $0.isLetter || $0.isNumber || "-.".contains($0) }
        h += """
            <p class="actions noprint"><a class="download" download="\(file)" href="\(href)">Download this report</a> \
            <button type="button" class="print" hidden>Print</button> <a href="/" class="again">New diagnosis</a></p>

            """
        return h + HTMLRenderer.fragment(report) + "</div>\n"
    }

    /// A refusal shown where the report would be.
    static func failure(_ reason: String, status: Int) -> String {
        """
        <div class="result" id="report"><div class="failure" role="alert" data-status="\(status)">\
        <p><strong>Could not diagnose (\(status)):</strong> \(HTML.escape(reason.oneLine))</p>\
        <p class="actions noprint"><a href="/">Back to the page</a></p></div></div>

        """
    }

    /// What a browser gets without the token: a form that asks for it once (the answer is a session
    /// cookie). Needs no script.
    static func tokenPage(_ reason: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>why401 serve — token needed</title>
        <style>\(HTMLRenderer.style)\n\(style)</style>
        </head>
        <body>
        <header class="top"><h1>why401</h1></header>
        <div class="failure" role="alert"><p>\(HTML.escape(reason.oneLine))</p></div>
        <form method="post" action="/session" class="card token">
        <label for="token">The token this server was started with (--token)</label>
        <input type="password" name="token" id="token" required autocomplete="off">
        <button type="submit">Continue</button>
        </form>
        </body>
        </html>

        """
    }

    static let style = """
        .top h1{margin:8px 0 0;font-size:26px}.top h1 a{color:inherit;text-decoration:none}.top p{margin:4px 0 12px}
        .card{border:1px solid #ddd;border-radius:8px;margin:10px 0;padding:0 14px;background:#fff}
        .card[open]{padding-bottom:12px}.card summary{cursor:pointer;font-weight:600;padding:12px 0;font-size:16px}
        form label{display:block;margin:10px 0 4px;font-size:14px}form label.check{display:flex;gap:6px;\
        align-items:center}
        textarea,input[type=text],input[type=password],select{width:100%;box-sizing:border-box;font:14px/1.4 \
        ui-monospace,Menlo,Consolas,monospace;padding:8px;border:1px solid #bbb;border-radius:6px}
        .row{display:flex;gap:12px;flex-wrap:wrap;align-items:flex-end}.row>*{flex:1 1 200px}
        button{font:inherit;font-weight:600;margin-top:12px;padding:9px 18px;border:0;border-radius:6px;\
        background:#1a73e8;color:#fff;cursor:pointer}button[disabled]{background:#8ab4f8;cursor:progress}
        .hint{color:#555;font-size:13px;margin:8px 0 0}
        .drop{border:2px dashed #aaa;border-radius:8px;padding:14px;text-align:center}\
        .drop.over{border-color:#1a73e8;background:#e8f0fe}
        .status{margin:10px 0;padding:8px 12px;border-radius:6px;background:#e8f0fe;font-weight:600}
        .status.busy::before{content:"";display:inline-block;width:12px;height:12px;margin-right:8px;\
        border:2px solid #1a73e8;border-right-color:transparent;border-radius:50%;animation:spin 1s linear infinite}
        @keyframes spin{to{transform:rotate(360deg)}}
        .failure{border-left:4px solid #d93025;background:#fdecea;padding:4px 12px;border-radius:4px;margin:12px 0}
        .actions{display:flex;gap:14px;align-items:center;flex-wrap:wrap}.actions button{margin:0;padding:5px 12px}
        #result:empty{display:none}.result{border-bottom:2px solid #ddd;margin-bottom:16px}
        @media (max-width:600px){.card{padding:0 10px}button{width:100%}.actions button{width:auto}}
        """

    /// Progressive enhancement only: every form works without it.
    static let script = """
        (function () {
          'use strict';
          var result = document.getElementById('result');
          var status = document.getElementById('status');
          function wire(root) {
            root.querySelectorAll('button.print').forEach(function (b) {
              b.hidden = false;
              b.addEventListener('click', function () { window.print(); });
            });
          }
          wire(document);
          document.querySelectorAll('form.diagnose').forEach(function (form) {
            form.addEventListener('submit', function (event) {
              event.preventDefault();
              var data = new FormData(form);
              var body = form.enctype === 'multipart/form-data' ? data : new URLSearchParams(data);
              var button = form.querySelector('button[type=submit]');
              var label = form.dataset.progress === 'checking' ? 'checking' : 'reading';
              var started = Date.now();
              button.disabled = true;
              status.hidden = false;
              status.className = 'status busy';
              status.textContent = label + '\\u2026';
              var timer = setInterval(function () {
                status.textContent = label + '\\u2026 ' + Math.floor((Date.now() - started) / 1000) + ' s';
              }, 250);
              fetch(form.getAttribute('action'), {
                method: 'POST', body: body, credentials: 'same-origin',
                headers: { 'X-Why401-Fragment': '1' }
              }).then(function (response) {
                return response.text().then(function (text) {
                  result.innerHTML = text;
                  wire(result);
                  var report = result.querySelector('.report');
                  status.className = 'status done';
                  status.textContent = (report ? 'done: ' + (report.dataset.cause || report.dataset.outcome)
                    : 'refused (' + response.status + ')') + ' in ' + ((Date.now() - started) / 1000).toFixed(1) + ' s';
                  result.scrollIntoView({ block: 'start' });
                });
              }).catch(function (error) {
                status.className = 'status failed';
                status.textContent = 'could not reach why401 serve: ' + error.message;
              }).finally(function () {
                clearInterval(timer);
                button.disabled = false;
              });
            });
          });
          var drop = document.getElementById('drop');
          var input = document.getElementById('har');
          if (drop && input) {
            ['dragenter', 'dragover'].forEach(function (name) {
              document.addEventListener(name, function (event) {
                event.preventDefault();
                document.getElementById('in-har').open = true;
                drop.classList.add('over');
              });
            });
            ['dragleave', 'drop'].forEach(function (name) {
              document.addEventListener(name, function () { drop.classList.remove('over'); });
            });
            document.addEventListener('drop', function (event) {
              event.preventDefault();
              if (event.dataTransfer && event.dataTransfer.files.length) {
                input.files = event.dataTransfer.files;
                input.form.requestSubmit();
              }
            });
            input.addEventListener('change', function () { if (input.files.length) { input.form.requestSubmit(); } });
          }
        })();

        """
}
