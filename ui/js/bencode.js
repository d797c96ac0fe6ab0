// Reads a .torrent in the browser, so its files can be chosen before the
// task is created. Only what the file picker needs: the name and files.

function decode(buf) {
  const bytes = new Uint8Array(buf);
  let i = 0;
  const text = new TextDecoder();
  function str() {
    let colon = i;
    while (bytes[colon] !== 0x3a) {
      if (colon >= bytes.length) throw new Error("truncated string length");
      colon++;
    }
    const n = Number(text.decode(bytes.subarray(i, colon)));
    if (!Number.isInteger(n) || n < 0) throw new Error("bad string length");
    const start = colon + 1;
    if (start + n > bytes.length) throw new Error("truncated string");
    i = start + n;
    return bytes.subarray(start, start + n);
  }
  function value(depth) {
    if (depth > 64) throw new Error("too deeply nested");
    const c = bytes[i];
    if (c === 0x69) { // i
      const end = bytes.indexOf(0x65, i);
      if (end < 0) throw new Error("truncated integer");
      const n = Number(text.decode(bytes.subarray(i + 1, end)));
      i = end + 1;
      return n;
    }
    if (c === 0x6c) { // l
      i++;
      const out = [];
      while (bytes[i] !== 0x65) {
        if (i >= bytes.length) throw new Error("truncated list");
        out.push(value(depth + 1));
      }
      i++;
      return out;
    }
    if (c === 0x64) { // d
      i++;
      const out = new Map();
      while (bytes[i] !== 0x65) {
        if (i >= bytes.length) throw new Error("truncated dictionary");
        const k = text.decode(str());
        out.set(k, value(depth + 1));
      }
      i++;
      return out;
    }
    if (c >= 0x30 && c <= 0x39) return str();
    throw new Error("not bencoded data");
  }
  const v = value(0);
  return v;
}

const utf8 = (b) => (b instanceof Uint8Array ? new TextDecoder().decode(b) : String(b));

/** {name, files:[{path,size}]} of a .torrent, paths as libtorrent lists them. */
export function torrent_files(buf) {
  const meta = decode(buf);
  if (!(meta instanceof Map) || !(meta.get("info") instanceof Map)) throw new Error("no info dictionary");
  const info = meta.get("info");
  const name = utf8(info.get("name.utf-8") || info.get("name") || "torrent");
  const files = [];
  if (Array.isArray(info.get("files"))) {
    for (const f of info.get("files")) {
      const parts = (f.get("path.utf-8") || f.get("path") || []).map(utf8);
      const attr = f.get("attr") ? utf8(f.get("attr")) : "";
      if (attr.includes("p")) continue; // padding files are never wanted
      files.push({ path: [name, ...parts].join("/"), size: f.get("length") || 0 });
    }
  } else if (info.get("file tree") instanceof Map) {
    const walk = (tree, prefix) => {
      for (const [k, v] of tree) {
        if (k === "" && v instanceof Map) files.push({ path: prefix.join("/"), size: v.get("length") || 0 });
        else if (v instanceof Map) walk(v, [...prefix, k]);
      }
    };
    walk(info.get("file tree"), [name]);
    if (files.length === 1 && files[0].path === name + "/" + name) files[0].path = name;
  } else {
    files.push({ path: name, size: info.get("length") || 0 });
  }
  return { name, files };
}

export function base64(buf) {
  const bytes = new Uint8Array(buf);
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
