// Chat over the chosen dataset with the language model (`--llm-url`): the caller's
// conversations (topics) in a list, the chosen one's messages, and a box to ask. The answer
// streams in as the model writes it; the chunks it was given are listed under it. Without a
// language model the server's 400 says how to configure one. Another dataset clears it.

import { messageOf } from '../api-client.js';
import { $, clearError, el, option, setStatus, showError, withBusy } from '../dom.js';

/**
 * The length of an answer's citations and their `||` (the chunks given to the model, a JSON
 * array), and the chunks; null while (or when) the content holds none. A chunk's text may hold
 * `||`: each place is tried until the text before it is a JSON array.
 */
function citationsOf(content) {
  if (!content.startsWith('[')) return null;
  for (let at = content.indexOf('||'); at >= 0; at = content.indexOf('||', at + 1)) {
    try {
      const sources = JSON.parse(content.slice(0, at));
      if (Array.isArray(sources)) return { length: at + 2, sources };
    } catch (_) {
      // Not the end of the citations yet.
    }
  }
  return null;
}

export function setUpChat({ api, session }) {
  const form = $('chat-form');
  const topics = $('chat-topic');
  const input = $('chat-message');
  const send = $('chat-send');
  const status = $('chat-status');
  const error = $('chat-error');
  const list = $('chat-messages');
  enable(false);

  session.subscribe((state, changed) => {
    if (!changed.has('datasetId')) return;
    list.replaceChildren();
    clearError(error);
    topics.replaceChildren(option('', 'New conversation'));
    enable(Boolean(state.datasetId));
    if (state.datasetId) loadTopics(state.datasetId);
  });
  topics.addEventListener('change', () => showMessages(topics.value));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ask();
  });

  function enable(canChat) {
    for (const control of [topics, input, send]) control.disabled = !canChat;
  }

  async function loadTopics(datasetId) {
    try {
      const found = await api.send('GET', '/api/topic', { dataset: datasetId });
      if (session.current.datasetId !== datasetId) return;
      topics.replaceChildren(option('', 'New conversation'),
        ...found.map((topic) => option(topic.id, topic.name)));
    } catch (failure) {
      showError(error, messageOf(failure));
    }
  }

  async function showMessages(topicId) {
    list.replaceChildren();
    clearError(error);
    if (!topicId) return;
    const dataset = session.current.datasetId;
    try {
      const messages = await api.send('GET', `/api/messages/${topicId}`, { dataset });
      list.replaceChildren(...messages.map((message) => messageItem(message.role, message.content)));
    } catch (failure) {
      showError(error, messageOf(failure));
    }
  }

  async function ask() {
    const text = input.value.trim();
    const dataset = session.current.datasetId;
    if (!text || !dataset) return;
    clearError(error);
    await withBusy(send, status, async () => {
      try {
        let topicId = topics.value;
        if (!topicId) {
          const topic = await api.send('POST', '/api/topic', {
            dataset, body: { first_user_message: text },
          });
          topics.append(option(topic.id, topic.name));
          topics.value = topic.id;
          topicId = topic.id;
        }
        list.append(messageItem('user', text));
        const answer = messageItem('assistant', '');
        list.append(answer);
        input.value = '';
        setStatus(status, 'Answering…');
        await api.stream('POST', '/api/message', {
          dataset,
          body: { topic_id: topicId, new_message_content: text },
          onText: (sofar) => fillAnswer(answer, sofar),
        });
        setStatus(status, '');
      } catch (failure) {
        setStatus(status, '');
        showError(error, messageOf(failure));
      }
    });
  }
}

function messageItem(role, content) {
  const item = el('li', { className: `from-${role}`, testid: `chat-${role}` });
  if (role === 'assistant') fillAnswer(item, content);
  else item.textContent = content;
  return item;
}

/**
 * An answer's text, and the chunks it was given, numbered as the model cites them. The citations
 * are parsed once (an answer streams in many pieces): the item keeps them.
 */
function fillAnswer(item, content) {
  if (!item.citations) item.citations = citationsOf(content);
  const { citations } = item;
  const text = citations ? content.slice(citations.length) : content;
  const children = [el('span', { text, testid: 'chat-answer' })];
  const sources = citations ? citations.sources : [];
  if (sources.length > 0) {
    const names = sources.map((chunk, at) => {
      const words = chunk && typeof chunk.content === 'string' ? chunk.content.slice(0, 80) : '';
      return `[${at + 1}] ${words}`;
    });
    children.push(el('p', { className: 'chat-sources', text: `Sources: ${names.join(' · ')}` }));
  }
  item.replaceChildren(...children);
}
