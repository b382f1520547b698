"""The chat page's own CSS and script (passed to Gradio's launch / mount as css= and head=).

The script does what Gradio has no event for: a click on a citation link in a chat message opens
that line in the source panel, after an answer the top of the answer is scrolled into view
(on a phone the end of a long answer used to be all that showed), and the example questions are
disabled while the chat is starting.
"""

from __future__ import annotations

from qa.ingest.uploads import MAX_UPLOAD_BYTES

CSS = """
#header { flex-wrap: nowrap !important; align-items: center; }
#title h2 { margin: 0; }
#theme { white-space: nowrap; flex: 0 0 auto !important; width: auto !important; }
#chat { min-height: 320px; }
#chat .message-buttons, #chat .message-buttons-left,
#chat .message-buttons-right { position: static !important; }
/* the chat's trash icon gets its own strip instead of floating over the messages */
#chat .top-panel { position: static !important; display: flex; justify-content: flex-end;
  width: 100%; box-sizing: border-box; }
/* Gradio's scroll-to-end arrow floated over the messages (over the words of a question on a phone)
   whenever the chat was not at its end, which is the case after every long answer, since the page
   shows an answer's top: the chat scrolls by hand instead */
#chat button[aria-label='Scroll down'] { display: none !important; }
#chat a[href^="#cite="] { cursor: pointer; text-decoration: underline dotted; }
#count { font-size: 0.8em; opacity: 0.75; margin-top: -6px; }
#count .qa-over { color: #c0392b; opacity: 1; font-weight: 600; }
.qa-source { border-left: 3px solid rgba(255, 193, 7, 0.8); padding-left: 8px; }
.qa-source-head { margin-bottom: 6px; }
.qa-lines { list-style: none; padding-left: 0; margin: 0; max-height: 300px; overflow-y: auto; }
.qa-lines li { padding: 2px 4px; border-radius: 4px; }
.qa-lines .qa-n { display: inline-block; min-width: 2.5em; opacity: 0.6; font-variant-numeric: tabular-nums; }
.qa-lines li.qa-cited { background: rgba(255, 213, 79, 0.35); }
.qa-lines mark { background: transparent; color: inherit; }
.qa-docs ul { padding-left: 1.1em; margin: 4px 0; }
.qa-docs li { margin-bottom: 4px; }
.qa-status ul { list-style: none; padding-left: 0; margin: 0; }
.qa-status progress { width: 160px; vertical-align: middle; }
.qa-step-failed { color: #c0392b; }
#chat .example, #chat button.example { white-space: normal !important; }
#chat button.example:disabled { opacity: 0.45; cursor: not-allowed; }
#chat .example-content, #chat .example-text, #chat .example span { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; -webkit-line-clamp: unset !important; }
"""

HEAD = """
<script>
(() => {
  // A click on a citation link ("#cite=<file>:<line>") asks the server for the lines around it.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#cite="]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    window.qaCite = decodeURIComponent(link.getAttribute("href").slice(6));
    const open = document.querySelector("#cite-open");
    if (open) open.click();
  }, true);

  // Scroll the chat so that the top of the last answer shows (with its question above it when both
  // fit), then bring the chat into the window: on a phone the end of a long quote used to be all that showed.
  window.qaShowAnswer = () => {
    const chat = document.querySelector("#chat");
    if (!chat) return;
    const bots = chat.querySelectorAll("[data-testid='bot']");
    const users = chat.querySelectorAll("[data-testid='user']");
    const last = bots[bots.length - 1];
    if (!last) return;
    const stop = chat.parentElement;
    let box = last.parentElement;
    while (box && box !== stop && box.scrollHeight <= box.clientHeight + 1) box = box.parentElement;
    const question = users[users.length - 1];
    let target = last;
    if (box && box !== stop && question) {
      const gap = last.getBoundingClientRect().top - question.getBoundingClientRect().top;
      if (gap > 0 && gap < box.clientHeight * 0.4) target = question;
    }
    if (box && box !== stop) {
      box.scrollTop += target.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    }
    const top = target.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.6) window.scrollBy(0, top - 8);
  };

  window.qaShowSource = () => {
    const panel = document.querySelector("#source");
    const mark = panel && panel.querySelector(".qa-cited");
    if (!panel) return;
    const top = panel.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.5) panel.scrollIntoView({block: "start"});
    if (mark) {
      const list = mark.closest(".qa-lines");
      if (list) list.scrollTop += mark.getBoundingClientRect().top - list.getBoundingClientRect().top - 40;
    }
  };

  // While the chat cannot answer yet (the start-up panel is marked .qa-starting), the example
  // questions show but are disabled, as the question box is: a click would only be told to wait.
  // Gradio re-renders the chat freely, so every change to the page is checked (two look-ups).
  const syncExamples = () => {
    const starting = !!document.querySelector("#status .qa-starting");
    for (const example of document.querySelectorAll("#chat button.example")) {
      if (example.disabled === starting) continue;
      example.disabled = starting;
      example.title = starting ? "Opens when the chat can answer" : "";
    }
  };
  new MutationObserver(syncExamples).observe(document.documentElement, {childList: true, subtree: true});

  window.qaToggleTheme = () => {
    document.body.classList.toggle("dark");
    const gradio = document.querySelector("gradio-app");
    if (gradio) gradio.classList.toggle("dark", document.body.classList.contains("dark"));
  };
})();
</script>
"""

# For gr.Blocks.launch(**PAGE_ASSETS) and gr.mount_gradio_app: the page's CSS and script, and Gradio's
# own cap on an upload (a bigger file is refused before it is stored, not after).
PAGE_ASSETS = {"css": CSS, "head": HEAD, "max_file_size": MAX_UPLOAD_BYTES + 2**20}
