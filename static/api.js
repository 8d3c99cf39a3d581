// trieve-lite API reference: fetches this server's OpenAPI document and renders it.
// No inline script, no external URLs; the DOM is built with createElement and textContent only.
"use strict";

(function () {
  const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children || []) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /** Text in which `backticked` spans become <code>, and blank lines start new paragraphs. */
  function prose(text, tag) {
    const container = document.createDocumentFragment();
    for (const paragraph of String(text || "").split(/\n\s*\n/)) {
      if (!paragraph.trim()) continue;
      const p = el(tag || "p");
      paragraph.split("`").forEach((part, index) => {
        if (!part) return;
        p.append(index % 2 ? el("code", { text: part }) : document.createTextNode(part));
      });
      container.append(p);
    }
    return container;
  }

  function refName(ref) {
    return ref.slice(ref.lastIndexOf("/") + 1);
  }

  /** A body's example: the media type's own, else its schema's (OpenAPI 3.1 `examples`). */
  function bodyExample(doc, media) {
    if (media.example !== undefined) return media.example;
    let schema = media.schema || {};
    if (schema.$ref) {
      const schemas = (doc.components && doc.components.schemas) || {};
      schema = schemas[refName(schema.$ref)] || {};
    }
    if (schema.example !== undefined) return schema.example;
    if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
    return undefined;
  }

  function schemaAnchor(name) {
    return "schema-" + name;
  }

  function operationAnchor(method, path) {
    return ("op-" + method + "-" + path).replace(/[^A-Za-z0-9_-]+/g, "-");
  }

  /** The types a schema allows, as a list ("string", "null", ...). */
  function typesOf(schema) {
    if (Array.isArray(schema.type)) return schema.type.slice();
    if (schema.type) return [schema.type];
    return [];
  }

  /** A schema as a short inline description: a link for a named schema, else its type. */
  function typeLabel(schema) {
    const span = el("span");
    if (!schema || typeof schema !== "object") {
      span.textContent = "—";
      return span;
    }
    if (schema.$ref) {
      span.append(el("a", { href: "#" + schemaAnchor(refName(schema.$ref)), text: refName(schema.$ref) }));
      return span;
    }
    const alternatives = schema.oneOf || schema.anyOf;
    if (alternatives) {
      alternatives.forEach((alternative, index) => {
        if (index) span.append(" | ");
        span.append(typeLabel(alternative));
      });
      return span;
    }
    if (schema.allOf) {
      schema.allOf.forEach((part, index) => {
        if (index) span.append(" & ");
        span.append(typeLabel(part));
      });
      return span;
    }
    const types = typesOf(schema);
    if (!types.length) {
      span.textContent = "any JSON";
      return span;
    }
    types.forEach((type, index) => {
      if (index) span.append(" | ");
      if (type === "array") {
        span.append("array of ");
        span.append(typeLabel(schema.items));
      } else {
        span.append(type);
      }
    });
    const details = [];
    if (schema.format) details.push(schema.format);
    if (schema.minimum !== undefined) details.push("≥ " + schema.minimum);
    if (schema.maximum !== undefined) details.push("≤ " + schema.maximum);
    if (schema.minLength !== undefined) details.push("min length " + schema.minLength);
    if (schema.maxLength !== undefined) details.push("max length " + schema.maxLength);
    if (schema.enum) details.push("one of " + schema.enum.map((v) => JSON.stringify(v)).join(", "));
    if (details.length) span.append(" (" + details.join(", ") + ")");
    return span;
  }

  function isNullable(schema) {
    return Boolean(schema && (schema.nullable || typesOf(schema).includes("null") ||
      (schema.oneOf || []).some((s) => typesOf(s).includes("null"))));
  }

  function table(caption, headings, rows) {
    const body = el("tbody");
    for (const cells of rows) {
      body.append(el("tr", {}, cells.map((cell) => el("td", { class: "wrap" }, [cell]))));
    }
    return el("div", { class: "table-wrap" }, [
      el("table", {}, [
        el("caption", { class: "visually-hidden", text: caption }),
        el("thead", {}, [el("tr", {}, headings.map((h) => el("th", { scope: "col", text: h })))]),
        body,
      ]),
    ]);
  }

  function contentRows(content) {
    return Object.entries(content || {}).map(([type, media]) => [
      el("code", { text: type }),
      typeLabel(media.schema),
    ]);
  }

  function securityText(doc, operation) {
    const requirements = operation.security || doc.security || [];
    const names = requirements.flatMap((requirement) => Object.keys(requirement));
    if (!names.length) return "No API key needed.";
    const schemes = (doc.components && doc.components.securitySchemes) || {};
    const headers = names.map((name) => (schemes[name] && schemes[name].name) || name);
    return "An API key in any one of these headers: " + headers.join(", ") + ".";
  }

  function resolveResponse(doc, response) {
    if (response && response.$ref) {
      const name = refName(response.$ref);
      return (doc.components && doc.components.responses && doc.components.responses[name]) || {};
    }
    return response || {};
  }

  function renderOperation(doc, path, method, operation) {
    const card = el("section", {
      class: "card",
      id: operationAnchor(method, path),
      "aria-label": method.toUpperCase() + " " + path,
    });
    card.append(el("h3", {}, [
      el("span", { class: "badge", text: method.toUpperCase() }),
      " ",
      el("code", { text: path }),
    ]));
    if (operation.summary) card.append(el("p", { text: operation.summary }));
    if (operation.description) card.append(prose(operation.description, "p"));
    card.append(el("p", { class: "hint", text: securityText(doc, operation) }));

    const parameters = operation.parameters || [];
    if (parameters.length) {
      card.append(el("h4", { text: "Parameters" }));
      card.append(table("Parameters", ["Name", "In", "Type", "Required", "Description"],
        parameters.map((parameter) => [
          el("code", { text: parameter.name }),
          parameter.in,
          typeLabel(parameter.schema),
          parameter.required ? "required" : "optional",
          prose(parameter.description || "", "span"),
        ])));
    }

    if (operation.requestBody) {
      const body = operation.requestBody;
      card.append(el("h4", { text: "Request body" + (body.required ? " (required)" : "") }));
      if (body.description) card.append(prose(body.description, "p"));
      card.append(table("Request body", ["Content type", "Schema"], contentRows(body.content)));
      for (const media of Object.values(body.content || {})) {
        const example = bodyExample(doc, media);
        if (example !== undefined) {
          card.append(el("p", { class: "hint", text: "Example:" }));
          card.append(el("pre", {}, [el("code", { text: JSON.stringify(example, null, 2) })]));
        }
      }
    }

    card.append(el("h4", { text: "Responses" }));
    const rows = [];
    for (const [status, raw] of Object.entries(operation.responses || {})) {
      const response = resolveResponse(doc, raw);
      const content = contentRows(response.content);
      rows.push([
        el("strong", { text: status }),
        prose(response.description || "", "span"),
        content.length ? content[0][0] : "no body",
        content.length ? content[0][1] : "—",
      ]);
      for (const extra of content.slice(1)) rows.push(["", "", extra[0], extra[1]]);
    }
    card.append(table("Responses", ["Status", "Meaning", "Content type", "Schema"], rows));

    const links = el("ul");
    for (const [status, raw] of Object.entries(operation.responses || {})) {
      for (const [name, link] of Object.entries(resolveResponse(doc, raw).links || {})) {
        const target = operationsById.get(link.operationId);
        const uses = Object.entries(link.parameters || {}).map(([param, value]) => param + " = " + JSON.stringify(value));
        if (link.requestBody !== undefined) uses.push("body " + JSON.stringify(link.requestBody));
        links.append(el("li", {}, [
          el("strong", { text: name }),
          " (" + status + ") → ",
          target
            ? el("a", { href: "#" + operationAnchor(target.method, target.path) }, [
              target.method.toUpperCase() + " ",
              el("code", { text: target.path }),
            ])
            : el("code", { text: String(link.operationId) }),
          uses.length ? ": " + uses.join(", ") : "",
        ]));
      }
    }
    if (links.childElementCount) {
      card.append(el("h4", { text: "Links" }));
      card.append(links);
    }
    return card;
  }

  function renderSchema(name, schema) {
    const card = el("section", { id: schemaAnchor(name), "aria-label": name });
    card.append(el("h3", {}, [el("code", { text: name })]));
    if (schema.description) card.append(prose(schema.description, "p"));
    if (schema.allOf) {
      const parts = el("p", {}, ["All of: "]);
      schema.allOf.forEach((part, index) => {
        if (index) parts.append(", ");
        parts.append(part.$ref ? typeLabel(part) : "the fields below");
      });
      card.append(parts);
      const inline = schema.allOf.find((part) => !part.$ref) || {};
      schema = { ...inline, description: undefined };
    }
    const properties = schema.properties || {};
    const required = new Set(schema.required || []);
    if (Object.keys(properties).length) {
      card.append(table(name + " fields", ["Field", "Type", "Required", "Nullable", "Description"],
        Object.entries(properties).map(([field, property]) => [
          el("code", { text: field }),
          typeLabel(property),
          required.has(field) ? "required" : "optional",
          isNullable(property) ? "nullable" : "",
          prose(property.description || "", "span"),
        ])));
    } else {
      card.append(el("p", {}, ["Type: ", typeLabel(schema)]));
    }
    return card;
  }

  /** operationId -> {method, path}, for links. */
  const operationsById = new Map();

  function render(doc) {
    for (const [path, item] of Object.entries(doc.paths || {})) {
      for (const method of METHODS) {
        if (item[method] && item[method].operationId) {
          operationsById.set(item[method].operationId, { method, path });
        }
      }
    }
    const info = doc.info || {};
    document.getElementById("overview-title").textContent =
      (info.title || "API") + (info.version ? " " + info.version : "") +
      " (OpenAPI " + (doc.openapi || "?") + ")";
    const overview = document.getElementById("overview-body");
    overview.append(prose(info.description || "", "p"));

    const byTag = new Map();
    for (const tag of doc.tags || []) byTag.set(tag.name, { tag, operations: [] });
    for (const [path, item] of Object.entries(doc.paths || {})) {
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const tagName = (operation.tags && operation.tags[0]) || "other";
        if (!byTag.has(tagName)) byTag.set(tagName, { tag: { name: tagName }, operations: [] });
        byTag.get(tagName).operations.push({ path, method, operation });
      }
    }

    const contents = document.getElementById("contents-body");
    const operations = document.getElementById("operations");
    for (const { tag, operations: list } of byTag.values()) {
      if (!list.length) continue;
      const links = el("ul");
      for (const { path, method, operation } of list) {
        links.append(el("li", {}, [
          el("a", { href: "#" + operationAnchor(method, path) }, [
            el("span", { class: "badge", text: method.toUpperCase() }),
            " ",
            el("code", { text: path }),
          ]),
          operation.summary ? " — " + operation.summary : "",
        ]));
      }
      contents.append(el("h3", { text: tag.name }));
      if (tag.description) contents.append(prose(tag.description, "p"));
      contents.append(links);

      const group = el("section", { "aria-label": tag.name });
      group.append(el("h2", { text: tag.name }));
      for (const { path, method, operation } of list) {
        group.append(renderOperation(doc, path, method, operation));
      }
      operations.append(group);
    }

    const schemas = document.getElementById("schemas-body");
    const components = (doc.components && doc.components.schemas) || {};
    for (const name of Object.keys(components).sort()) {
      schemas.append(renderSchema(name, components[name]));
    }

    for (const id of ["overview", "contents", "schemas"]) {
      document.getElementById(id).hidden = false;
    }
  }

  async function load() {
    const status = document.getElementById("reference-status");
    const error = document.getElementById("reference-error");
    const main = document.getElementById("reference");
    try {
      const response = await fetch("/api-docs/openapi.json", {
        headers: { Accept: "application/json" },
        credentials: "omit",
      });
      if (!response.ok) throw new Error("the server answered " + response.status);
      render(await response.json());
      status.textContent = "";
      if (location.hash) {
        const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
        if (target) target.scrollIntoView();
      }
    } catch (err) {
      status.textContent = "";
      error.textContent = "Could not load the OpenAPI document: " + err.message;
      error.hidden = false;
    } finally {
      main.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("DOMContentLoaded", load);
})();
