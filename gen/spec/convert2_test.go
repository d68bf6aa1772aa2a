package spec

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateV2 = flag.Bool("update-v2", false, "rewrite testdata/v2/*/converted.json and notes.txt")

// convert2File loads path and converts it.
func convert2File(t *testing.T, path string) (in, out *Node, notes []string) {
	t.Helper()
	in, err := NewLoader().File(path)
	if err != nil {
		t.Fatal(err)
	}
	out, notes, err = Convert2(in)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return in, out, notes
}

// convert2Doc writes doc to a file and converts it.
func convert2Doc(t *testing.T, doc string) (*Node, []string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := NewLoader().File(path)
	if err != nil {
		t.Fatal(err)
	}
	return Convert2(in)
}

func jsonOf(t *testing.T, n *Node) string {
	t.Helper()
	if n == nil {
		return "<absent>"
	}
	b, err := n.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIsV2(t *testing.T) {
	for doc, want := range map[string]bool{
		"asyncapi: 2.6.0":        true,
		"asyncapi: '2.0.0'":      true,
		"asyncapi: 2.6":          true, // a YAML float, read by its text
		"asyncapi: 2.0.0-rc2":    true,
		"asyncapi: 3.0.0":        false,
		"asyncapi: [2]":          false,
		"info: {title: x}":       false,
		`{"asyncapi": "2.4.0"}`:  true,
		`{"asyncapi": "1.2.0"}`:  false,
		"asyncapi: 20.0.0":       false,
		"asyncapi: '2.'":         true,
		"openapi: 3.0.0\nx: 2.1": false,
	} {
		path := filepath.Join(t.TempDir(), "doc.yaml")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		n, err := NewLoader().File(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := IsV2(n); got != want {
			t.Errorf("IsV2(%s) = %v, want %v", doc, got, want)
		}
	}
	if IsV2(nil) {
		t.Error("IsV2(nil) = true")
	}
}

// v2Head is the start of each small document below.
const v2Head = "asyncapi: 2.6.0\ninfo: {title: T, version: '1'}\n"

// TestConvert2Rules converts small documents and checks the values at
// some pointers of the result, and that the notes are exactly the ones
// expected (each wanted substring in one note, no other note).
func TestConvert2Rules(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		want  map[string]string // pointer in the result → its JSON
		notes []string
	}{{
		name: "publish receives and subscribe sends",
		doc: v2Head + `channels:
  chat:
    publish: {operationId: onChat, message: {payload: {type: string}}}
    subscribe: {message: {payload: {type: integer}}}
`,
		want: map[string]string{
			"/asyncapi":                         `"3.0.0"`,
			"/channels/chat/address":            `"chat"`,
			"/channels/chat/messages":           `{"onChat.message":{"payload":{"type":"string"}},"subscribe.message":{"payload":{"type":"integer"}}}`,
			"/operations/onChat":                `{"action":"receive","channel":{"$ref":"#/channels/chat"},"messages":[{"$ref":"#/channels/chat/messages/onChat.message"}]}`,
			"/operations/chat.subscribe/action": `"send"`,
		},
	}, {
		name: "root metadata",
		doc: `asyncapi: '2.3.0'
id: urn:x
info: {title: T, version: '1'}
tags: [{name: a}]
externalDocs: {url: 'https://example.com'}
defaultContentType: application/json
x-root: {$ref: '#/tags/0'}
channels: {}
`,
		want: map[string]string{
			"":          `{"asyncapi":"3.0.0","id":"urn:x","info":{"title":"T","version":"1","tags":[{"name":"a"}],"externalDocs":{"url":"https://example.com"}},"defaultContentType":"application/json","x-root":{"$ref":"#/info/tags/0"}}`,
			"/channels": "<absent>",
		},
	}, {
		name: "server url split into host, pathname and protocol",
		doc: v2Head + `servers:
  a: {url: 'wss://ws.example.com/v1/{room}', protocol: wss, description: d, variables: {room: {default: r}}}
  b: {url: 'example.com:{port}', protocol: ws, x-wsbind-welcome: Hello}
  c: {url: 'ws://example.com/', protocol: wss}
  d: {url: 'wss://example.com/ws?compress=1', protocol: wss}
  e: {url: 'wss://example.com'}
  f: {$ref: '#/components/servers/f'}
components:
  servers:
    f: {url: 'https://example.com/api', protocol: https}
`,
		want: map[string]string{
			"/servers/a":            `{"host":"ws.example.com","pathname":"/v1/{room}","protocol":"wss","description":"d","variables":{"room":{"default":"r"}}}`,
			"/servers/b":            `{"host":"example.com:{port}","protocol":"ws","x-wsbind-welcome":"Hello"}`,
			"/servers/c":            `{"host":"example.com","pathname":"/","protocol":"wss"}`,
			"/servers/d/pathname":   `"/ws?compress=1"`,
			"/servers/e":            `{"host":"example.com","protocol":"wss"}`,
			"/servers/f":            `{"$ref":"#/components/servers/f"}`,
			"/components/servers/f": `{"host":"example.com","pathname":"/api","protocol":"https"}`,
		},
		notes: []string{
			`doc.yaml:6:12 (#/servers/c/url): server c: url scheme "ws" differs from protocol "wss"; protocol kept`,
			`doc.yaml:7:12 (#/servers/d/url): server d: a 3.0 server has no query or fragment; they stay in pathname "/ws?compress=1"`,
		},
	}, {
		name: "message ids: messageId, component key, name, then the operation's",
		doc: v2Head + `channels:
  /:
    publish:
      message:
        oneOf:
          - {$ref: '#/components/messages/Hello'}
          - {$ref: '#/components/messages/Bye'}
          - {messageId: Ping, payload: {const: ping}}
          - {name: Pong, payload: {const: pong}}
          - {name: 'not a name', payload: {const: x}}
          - {$ref: 'other.yaml#/components/messages/Far'}
    subscribe:
      operationId: event.receive
      message: {payload: {type: object}}
components:
  messages:
    Hello: {payload: {type: object}}
    Bye: {messageId: Goodbye, payload: {type: object}}
`,
		want: map[string]string{
			"/channels/~1/messages": `{"Hello":{"$ref":"#/components/messages/Hello"},"Goodbye":{"$ref":"#/components/messages/Bye"},"Ping":{"payload":{"const":"ping"}},` +
				`"Pong":{"name":"Pong","payload":{"const":"pong"}},"publish.message.4":{"name":"not a name","payload":{"const":"x"}},` +
				`"publish.message.5":{"$ref":"other.yaml#/components/messages/Far"},"receive.message":{"payload":{"type":"object"}}}`,
			"/operations/~1.publish/messages": `[{"$ref":"#/channels/~1/messages/Hello"},{"$ref":"#/channels/~1/messages/Goodbye"},{"$ref":"#/channels/~1/messages/Ping"},` +
				`{"$ref":"#/channels/~1/messages/Pong"},{"$ref":"#/channels/~1/messages/publish.message.4"},{"$ref":"other.yaml#/components/messages/Far"}]`,
			"/operations/event.receive/messages": `[{"$ref":"#/channels/~1/messages/receive.message"}]`,
			"/components/messages/Bye":           `{"payload":{"type":"object"}}`,
		},
		notes: []string{`(#/channels/~1/publish/message/oneOf/5): message other.yaml#/components/messages/Far is in another file, which is not converted`},
	}, {
		name: "one message in both operations is one channel message; two with one id are told apart",
		doc: v2Head + `channels:
  /:
    publish: {message: {$ref: '#/components/messages/Ping'}}
    subscribe:
      message:
        oneOf:
          - {$ref: '#/components/messages/Ping'}
          - {messageId: Ping, payload: {type: string}}
components:
  messages:
    Ping: {payload: {type: object}}
`,
		want: map[string]string{
			"/channels/~1/messages":             `{"Ping":{"$ref":"#/components/messages/Ping"},"Ping.2":{"payload":{"type":"string"}}}`,
			"/operations/~1.publish/messages":   `[{"$ref":"#/channels/~1/messages/Ping"}]`,
			"/operations/~1.subscribe/messages": `[{"$ref":"#/channels/~1/messages/Ping"},{"$ref":"#/channels/~1/messages/Ping.2"}]`,
		},
		notes: []string{`channel / has another message with the id "Ping"; this one is "Ping.2"`},
	}, {
		name: "schemaFormat: the default goes, another wraps the payload",
		doc: v2Head + `channels:
  c:
    publish:
      message:
        oneOf:
          - {messageId: A, schemaFormat: 'application/vnd.aai.asyncapi+yaml;version=2.6.0', payload: {type: string}}
          - {messageId: B, schemaFormat: 'application/vnd.apache.avro;version=1.9.0', payload: {type: record, name: B, fields: []}}
          - {messageId: C, schemaFormat: 'application/schema+json;version=draft-07', payload: {$ref: '#/components/schemas/C'}, headers: {type: object}}
          - {messageId: D, traits: [{$ref: '#/components/messageTraits/avro'}], payload: {type: int}}
components:
  schemas:
    C: {type: object, properties: {self: {$ref: '#/channels/c/publish/message/oneOf/1/payload'}}}
  messageTraits:
    avro: {schemaFormat: 'application/vnd.apache.avro;version=1.9.0', contentType: application/octet-stream}
`,
		want: map[string]string{
			"/channels/c/messages/A":                `{"payload":{"type":"string"}}`,
			"/channels/c/messages/B":                `{"payload":{"schemaFormat":"application/vnd.apache.avro;version=1.9.0","schema":{"type":"record","name":"B","fields":[]}}}`,
			"/channels/c/messages/C":                `{"payload":{"schemaFormat":"application/schema+json;version=draft-07","schema":{"$ref":"#/components/schemas/C"}},"headers":{"type":"object"}}`,
			"/channels/c/messages/D":                `{"traits":[{"$ref":"#/components/messageTraits/avro"}],"payload":{"schemaFormat":"application/vnd.apache.avro;version=1.9.0","schema":{"type":"int"}}}`,
			"/components/schemas/C/properties/self": `{"$ref":"#/channels/c/messages/B/payload/schema"}`,
			"/components/messageTraits/avro":        `{"contentType":"application/octet-stream"}`,
		},
		notes: []string{"a 3.0 message trait has no schemaFormat; dropped here and given to the payload of each message of this file that uses the trait"},
	}, {
		name: "parameters keep what a 3.0 parameter can say",
		doc: v2Head + `channels:
  'rooms/{room}/{n}/{kind}/{c}/{r}':
    parameters:
      room: {description: Room id., location: '$message.payload#/room', x-p: 1, schema: {type: string, examples: [lobby], description: ignored}}
      n: {schema: {type: integer, enum: [1, 2], default: 1, minimum: 1}}
      kind: {schema: {description: Kind., const: big}}
      c: {$ref: '#/components/parameters/c'}
      r: {schema: {$ref: '#/components/schemas/R'}}
    publish: {message: {payload: {type: string}}}
components:
  schemas:
    R: {type: string}
  parameters:
    c: {schema: {type: string, enum: [a, b], pattern: '^[ab]$'}}
`,
		want: map[string]string{
			"/channels/rooms~1{room}~1{n}~1{kind}~1{c}~1{r}/parameters": `{"room":{"description":"Room id.","examples":["lobby"],"location":"$message.payload#/room","x-p":1},` +
				`"n":{"enum":["1","2"],"default":"1"},"kind":{"enum":["big"],"description":"Kind."},"c":{"$ref":"#/components/parameters/c"},"r":{}}`,
			"/components/parameters/c": `{"enum":["a","b"]}`,
		},
		notes: []string{
			"parameter n: a 3.0 parameter is a string with enum, default, description, examples and location only; dropped type integer, minimum",
			`parameter n: value 1 written as the string "1"`,
			`parameter n: value 2 written as the string "2"`,
			`parameter n: value 1 written as the string "1"`,
			"parameter r: its schema is a $ref",
			"parameter c: a 3.0 parameter is a string with enum, default, description, examples and location only; dropped pattern",
		},
	}, {
		name: "security requirements become references or scheme copies with scopes",
		doc: v2Head + `servers:
  s:
    url: wss://example.com
    protocol: wss
    security:
      - key: []
      - oauth: [read]
      - key: []
        oauth: []
      - key: [admin]
      - missing: []
channels:
  c:
    subscribe:
      security: [{oauth: [write]}]
      message: {payload: {type: string}}
components:
  securitySchemes:
    key: {type: httpApiKey, name: token, in: query}
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: 'https://example.com/token', scopes: {read: Read., write: Write.}}
`,
		want: map[string]string{
			"/servers/s/security": `[{"$ref":"#/components/securitySchemes/key"},` +
				`{"type":"oauth2","flows":{"clientCredentials":{"tokenUrl":"https://example.com/token","availableScopes":{"read":"Read.","write":"Write."}}},"scopes":["read"]},` +
				`{"$ref":"#/components/securitySchemes/key"},{"$ref":"#/components/securitySchemes/oauth"},{"$ref":"#/components/securitySchemes/key"},{"$ref":"#/components/securitySchemes/missing"}]`,
			"/operations/c.subscribe/security/0/scopes":                                      `["write"]`,
			"/components/securitySchemes/oauth/flows/clientCredentials/scopes":               "<absent>",
			"/components/securitySchemes/oauth/flows/clientCredentials/availableScopes/read": `"Read."`,
		},
		notes: []string{
			"this 2.x requirement needs all of key, oauth; 3.0 lists alternatives",
			"scopes of the httpApiKey scheme key dropped",
			`$ref "#/components/securitySchemes/missing" made from a 2.x name leads nowhere`,
		},
	}, {
		name: "fields a 2.x trait overrode take the trait's value; fields only traits set stay with the traits",
		doc: v2Head + `channels:
  c:
    subscribe:
      operationId: tick
      description: Own description.
      bindings: {mqtt: {qos: 0, retain: true}}
      traits:
        - $ref: '#/components/operationTraits/t'
        - {summary: Inline summary., operationId: other}
      message:
        description: Own.
        payload: {type: string}
        traits: [{$ref: '#/components/messageTraits/m'}]
components:
  operationTraits:
    t: {description: Trait description., bindings: {mqtt: {qos: 1}}, tags: [{name: t}]}
  messageTraits:
    m: {headers: {type: object}, description: Own.}
`,
		want: map[string]string{
			"/operations/tick": `{"action":"send","channel":{"$ref":"#/channels/c"},"messages":[{"$ref":"#/channels/c/messages/tick.message"}],` +
				`"description":"Trait description.","bindings":{"mqtt":{"qos":1,"retain":true}},` +
				`"traits":[{"$ref":"#/components/operationTraits/t"},{"summary":"Inline summary."}]}`,
			"/channels/c/messages/tick.message": `{"description":"Own.","payload":{"type":"string"},"traits":[{"$ref":"#/components/messageTraits/m"}]}`,
		},
		notes: []string{
			"a 3.0 operation trait has no operationId; dropped",
			"operation tick: the trait's operationId overrode the operation's in 2.x; 3.0 has no such field, the key stays the id",
		},
	}, {
		name: "bindings without a 3.0 form are dropped",
		doc: v2Head + `channels:
  c:
    bindings: {ws: {method: GET, bindingVersion: 0.1.0}}
    subscribe:
      bindings: {http: {type: request, method: GET, bindingVersion: 0.1.0}, mqtt5: {}}
      message: {payload: {type: string}, bindings: {http: {headers: {type: object}, bindingVersion: 0.1.0}}}
`,
		want: map[string]string{
			"/channels/c/bindings":                            `{"ws":{"method":"GET","bindingVersion":"0.1.0"}}`,
			"/operations/c.subscribe/bindings":                `{"http":{"method":"GET","bindingVersion":"0.2.0"}}`,
			"/channels/c/messages/subscribe.message/bindings": `{"http":{"headers":{"type":"object"},"bindingVersion":"0.2.0"}}`,
		},
		notes: []string{
			`the HTTP operation binding's type "request" is gone since binding 0.2.0`,
			"HTTP operation binding 0.1.0 written as 0.2.0",
			"3.0 has no mqtt5 binding",
			"HTTP message binding 0.1.0 written as 0.2.0",
		},
	}, {
		name: "a protocol's binding given by $ref is copied in",
		doc: v2Head + `channels:
  c:
    subscribe:
      message:
        payload: {type: string}
        bindings:
          http: {$ref: '#/components/messageBindings/chunked'}
          ws: {$ref: '#/components/x-wsBinding'}
          kafka: {$ref: 'other.yaml#/kafka'}
components:
  x-wsBinding: {bindingVersion: 0.1.0}
  messageBindings:
    chunked: {http: {headers: {type: object}}}
`,
		want: map[string]string{
			"/channels/c/messages/subscribe.message/bindings": `{"http":{"headers":{"type":"object"}},"ws":{"bindingVersion":"0.1.0"},"kafka":{"$ref":"other.yaml#/kafka"}}`,
		},
		notes: []string{
			"the http binding is a $ref to the whole bindings object #/components/messageBindings/chunked, and 3.0 allows no $ref here: its http binding is copied in",
			"3.0 allows no $ref for the ws binding: #/components/x-wsBinding is copied in",
			"3.0 allows no $ref for the kafka binding, and other.yaml#/kafka is not in this file; kept",
		},
	}, {
		name: "channels: x-channelId, servers by reference, deprecated dropped, extensions kept",
		doc: v2Head + `servers:
  prod: {url: wss://example.com, protocol: wss}
channels:
  /v1/ws:
    x-channelId: main
    description: The socket.
    servers: [prod, staging]
    deprecated: true
    x-note: kept
    subscribe:
      x-op: kept
      message: {$ref: '#/components/messages/M'}
components:
  messages:
    M: {payload: {$ref: '#/channels/~1v1~1ws/subscribe/message/x-none'}, x-msg: kept}
`,
		want: map[string]string{
			"/channels/main":                 `{"address":"/v1/ws","messages":{"M":{"$ref":"#/components/messages/M"}},"x-channelId":"main","description":"The socket.","servers":[{"$ref":"#/servers/prod"},{"$ref":"#/servers/staging"}],"x-note":"kept"}`,
			"/operations/main.subscribe":     `{"action":"send","channel":{"$ref":"#/channels/main"},"messages":[{"$ref":"#/channels/main/messages/M"}],"x-op":"kept"}`,
			"/components/messages/M/x-msg":   `"kept"`,
			"/components/messages/M/payload": `{"$ref":"#/channels/main/messages/M/x-none"}`,
		},
		notes: []string{
			"a 3.0 channel cannot be deprecated",
			`$ref "#/servers/staging" made from a 2.x name leads nowhere`,
		},
	}, {
		name: "a $ref into what 3.0 drops is noted",
		doc: v2Head + `channels:
  'a/{id}':
    parameters: {id: {schema: {type: string, maxLength: 8}}}
    publish: {message: {payload: {$ref: '#/channels/a~1{id}/parameters/id/schema'}}}
`,
		want: map[string]string{
			"/channels/a~1{id}/messages/publish.message/payload": `{"$ref":"#/channels/a~1{id}/parameters/id/schema"}`,
		},
		notes: []string{
			"dropped maxLength",
			`$ref "#/channels/a~1{id}/parameters/id/schema" points at something 3.0 has no place for`,
		},
	}, {
		name: "component channels: operations under components, used ones listed at the root",
		doc: v2Head + `channels:
  /live: {$ref: '#/components/channels/live'}
components:
  channels:
    live:
      publish: {operationId: send, message: {payload: {type: string}}}
    spare:
      subscribe: {message: {payload: {type: string}}}
`,
		want: map[string]string{
			"/channels/~1live":                       `{"$ref":"#/components/channels/live"}`,
			"/operations":                            `{"send":{"$ref":"#/components/operations/send"}}`,
			"/components/channels/live/address":      `"/live"`,
			"/components/channels/spare/address":     `"spare"`,
			"/components/operations/send/channel":    `{"$ref":"#/components/channels/live"}`,
			"/components/operations/spare.subscribe": `{"action":"send","channel":{"$ref":"#/components/channels/spare"},"messages":[{"$ref":"#/components/channels/spare/messages/subscribe.message"}]}`,
			"/components/operations/send/messages/0": `{"$ref":"#/components/channels/live/messages/send.message"}`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, notes, err := convert2Doc(t, tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for ptr := range tt.want {
				got[ptr] = jsonOf(t, out.Lookup(ptr))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("converted document (-want +got):\n%s\nwhole document: %s", d, jsonOf(t, out))
			}
			checkNotes(t, notes, tt.notes)
			checkTree(t, out, "doc.yaml")
		})
	}
}

// checkNotes wants each of want in its own note, and no other note.
func checkNotes(t *testing.T, got, want []string) {
	t.Helper()
	rest := slices.Clone(got)
	for _, w := range want {
		i := slices.IndexFunc(rest, func(n string) bool { return strings.Contains(n, w) })
		if i < 0 {
			t.Errorf("no note says %q", w)
			continue
		}
		rest = slices.Delete(rest, i, i+1)
	}
	for _, n := range rest {
		t.Errorf("unexpected note: %s", n)
	}
}

// checkTree checks that every node of a converted tree has its own place
// as Loc.Pointer and a position in the 2.x file.
func checkTree(t *testing.T, root *Node, file string) {
	t.Helper()
	var walk func(n *Node)
	walk = func(n *Node) {
		if root.Lookup(n.Loc.Pointer) != n {
			t.Errorf("node at %s is not at its Loc.Pointer", n.Loc)
		}
		if n.Loc.File != file || n.Loc.Line < 1 {
			t.Errorf("node at %s: want a line of %s", n.Loc, file)
		}
		for _, v := range n.Values {
			walk(v)
		}
		for _, it := range n.Items {
			walk(it)
		}
	}
	walk(root)
}

func TestConvert2Errors(t *testing.T) {
	for _, tt := range []struct{ doc, err string }{
		{"asyncapi: 3.0.0\n", `doc.yaml:1:1 (#): asyncapi version "3.0.0": want 2.0.0 to 2.6.x`},
		{"asyncapi: 2.0.0-rc2\n", `asyncapi version "2.0.0-rc2": want 2.0.0 to 2.6.x`},
		{"asyncapi: 2.7.0\n", `asyncapi version "2.7.0"`},
		{"info: {}\n", `asyncapi version ""`},
		{v2Head + "channels:\n  a:\n    publish: {operationId: x}\n  b:\n    subscribe: {operationId: x}\n",
			`doc.yaml:7:16 (#/channels/b/subscribe): operation id "x" is also the id of the operation at doc.yaml:5:14 (#/channels/a/publish)`},
		{v2Head + "channels:\n  a: {x-channelId: b}\n  b: {}\n", `(#/channels/b): channel b has the id "b" of channel a`},
		{v2Head + "channels:\n  a:\n    publish: {message: {$ref: '#/components/messages/M'}}\ncomponents:\n  messages:\n    M: {oneOf: [{payload: {}}]}\n",
			`(#/channels/a/publish/message): operation a.publish: message #/components/messages/M is a oneOf list`},
		{v2Head + "components:\n  messages:\n    M: {oneOf: [{payload: {}}]}\n", `(#/components/messages/M): a oneOf message list has no 3.0 form`},
		{v2Head + "servers:\n  s: {protocol: ws}\n", `(#/servers/s): server s has no url`},
		{v2Head + "channels:\n  a:\n    publish: {message: {oneOf: {payload: {}}}}\n", `message oneOf: want a list`},
		{v2Head + "channels:\n  a:\n    servers: prod\n", `channel servers: want a list of server names`},
		{v2Head + "channels: [a]\n", `channels: want a mapping`},
	} {
		_, _, err := convert2Doc(t, tt.doc)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s\nerror %v, want one with %q", tt.doc, err, tt.err)
		}
	}
	if _, _, err := Convert2(nil); err == nil {
		t.Error("Convert2(nil): no error")
	}
}

// converter-js fixtures, and how this converter departs from converter-js
// on each: renames are channel-message keys (converter-js's
// "<kind>.message[.<i>]" for a $ref to components/messages without a
// messageId, the component's key here); sets are values this converter
// writes otherwise; drop lists places of our result not compared.
var converterJSCases = []struct {
	in, out string
	renames [][3]string // channel messages pointer, converter-js key, ours
	sets    map[string]string
	drop    []string
}{{
	in: "for-3.0.0.yml", out: "from-2.6.0.yml",
	renames: [][3]string{
		{"/channels/smartylighting~1streetlights~11~10~1action~1{streetlightId}~1turn~1on/messages", "publish.message", "lightMeasured"},
		{"/channels/smartylighting~1streetlights~11~10~1action~1{streetlightId}~1turn~1on/messages", "subscribe.message.0", "turnOnOff"},
		{"/channels/customChannelId/messages", "turnOnOff.message", "turnOnOff"},
		{"/channels/smartylighting~1streetlights~11~10~1action~1{streetlightId}~1dim/messages", "dimLight.message", "dimLight"},
	},
}, {
	in: "for-3.0.0-with-custom-schema-format.yml", out: "from-2.6.0-with-custom-schema-format.yml",
}, {
	in: "for-3.0.0-with-deep-local-references.yml", out: "from-2.6.0-with-deep-local-references.yml",
	renames: [][3]string{
		{"/channels/turnOn/messages", "publish.message", "turnOnOff"},
		{"/channels/turnOn/messages", "subscribe.message.0", "turnOnOff"},
		{"/components/channels/someChannel/messages", "publish.message", "turnOnOff"},
		{"/components/channels/someChannel/messages", "subscribe.message.0", "turnOnOff"},
	},
}, {
	in: "for-3.0.0-with-reference-parameter.yml", out: "from-2.6.0-with-reference-parameter.yml",
}, {
	in: "for-3.0.0-with-servers-and-channels-components.yml", out: "from-2.6.0-with-servers-and-channels-components.yml",
	renames: [][3]string{
		{"/components/channels/usedChannel/messages", "publish.message", "lightMeasured"},
		{"/components/channels/usedChannel/messages", "subscribe.message.0", "turnOnOff"},
		{"/components/channels/unusedChannel/messages", "dimLight.message", "dimLight"},
	},
	// The component channel's address is the one top-level address
	// that uses it, not its key.
	sets: map[string]string{"/components/channels/usedChannel/address": "smartylighting/streetlights/1/0/action/{streetlightId}/turn/on"},
}, {
	// converter-js's tests do not use this pair, and its output lacks
	// the operation.
	in: "for-3.0.0-with-mixed-parameters.yml", out: "from-2.6.0-with-mixed-parameters.yml",
	drop: []string{"/operations"},
}}

// TestConvert2MatchesConverterJS converts converter-js's 2.6.0 fixtures
// and compares the results with its 3.0.0 ones, key order aside.
func TestConvert2MatchesConverterJS(t *testing.T) {
	dir := filepath.Join("testdata", "v2", "converter-js")
	for _, tc := range converterJSCases {
		t.Run(tc.in, func(t *testing.T) {
			_, out, _ := convert2File(t, filepath.Join(dir, tc.in))
			want, err := NewLoader().File(filepath.Join(dir, tc.out))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tc.renames {
				renameChannelMessage(t, want, r[0], r[1], r[2])
			}
			for ptr, v := range tc.sets {
				n := want.Lookup(ptr)
				if n == nil {
					t.Fatalf("no %s in %s", ptr, tc.out)
				}
				n.Scalar, n.Text = v, v
			}
			for _, ptr := range tc.drop {
				i := slices.Index(out.Keys, strings.TrimPrefix(ptr, "/"))
				out.Keys = slices.Delete(out.Keys, i, i+1)
				out.Values = slices.Delete(out.Values, i, i+1)
			}
			if d := cmp.Diff(want.JSON(nil), out.JSON(nil)); d != "" {
				t.Errorf("converted %s differs from converter-js's %s (-converter-js +ours):\n%s", tc.in, tc.out, d)
			}
		})
	}
}

// renameChannelMessage renames a channel message and the $refs to it; a
// rename onto an existing key (the same message twice) merges the two.
func renameChannelMessage(t *testing.T, doc *Node, msgsPtr, from, to string) {
	t.Helper()
	msgs := doc.Lookup(msgsPtr)
	i := slices.Index(msgs.Keys, from)
	if i < 0 {
		t.Fatalf("no %s/%s", msgsPtr, from)
	}
	if j := slices.Index(msgs.Keys, to); j >= 0 {
		if jsonOf(t, msgs.Values[i]) != jsonOf(t, msgs.Values[j]) {
			t.Fatalf("%s: %s and %s differ", msgsPtr, from, to)
		}
		msgs.Keys = slices.Delete(msgs.Keys, i, i+1)
		msgs.Values = slices.Delete(msgs.Values, i, i+1)
	} else {
		msgs.Keys[i] = to
	}
	oldRef, newRef := "#"+msgsPtr+"/"+escape(from), "#"+msgsPtr+"/"+escape(to)
	var walk func(n *Node)
	walk = func(n *Node) {
		for k, v := range n.Values {
			if n.Keys[k] == "$ref" && (v.Str() == oldRef || strings.HasPrefix(v.Str(), oldRef+"/")) {
				v.Scalar = newRef + strings.TrimPrefix(v.Str(), oldRef)
			}
			walk(v)
		}
		var items []*Node
		for _, it := range n.Items {
			walk(it)
			// An operation listing both names now lists one twice.
			if it.Get("$ref") == nil || !slices.ContainsFunc(items, func(x *Node) bool { return x.Get("$ref").Str() == it.Get("$ref").Str() }) {
				items = append(items, it)
			}
		}
		n.Items = items
	}
	walk(doc)
}

// v2Docs are the public 2.6.0 documents under testdata/v2 and what their
// conversion must hold: channel id → address, operation id →
// action, operation id → its channel's message keys.
var v2Docs = []struct {
	name     string
	channels map[string]string
	actions  map[string]string
	messages map[string][]string
}{{
	name: "streetlights-mqtt",
	channels: map[string]string{
		"smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured": "smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured",
		"smartylighting/streetlights/1/0/action/{streetlightId}/turn/on":          "smartylighting/streetlights/1/0/action/{streetlightId}/turn/on",
		"smartylighting/streetlights/1/0/action/{streetlightId}/turn/off":         "smartylighting/streetlights/1/0/action/{streetlightId}/turn/off",
		"smartylighting/streetlights/1/0/action/{streetlightId}/dim":              "smartylighting/streetlights/1/0/action/{streetlightId}/dim",
	},
	actions: map[string]string{"receiveLightMeasurement": "receive", "turnOn": "send", "turnOff": "send", "dimLight": "send"},
	messages: map[string][]string{
		"receiveLightMeasurement": {"lightMeasured"}, "turnOn": {"turnOnOff"}, "turnOff": {"turnOnOff"}, "dimLight": {"dimLight"},
	},
}, {
	name:     "gitter-streaming",
	channels: map[string]string{"/rooms/{roomId}/{resource}": "/rooms/{roomId}/{resource}"},
	actions:  map[string]string{"/rooms/{roomId}/{resource}.subscribe": "send"},
	messages: map[string][]string{"/rooms/{roomId}/{resource}.subscribe": {"chatMessage", "heartbeat"}},
}, {
	name:     "slack-rtm",
	channels: map[string]string{"/": "/"},
	actions:  map[string]string{"/.publish": "receive", "/.subscribe": "send"},
	messages: map[string][]string{
		"/.publish": {"outgoingMessage"},
		"/.subscribe": {"hello", "connectionError", "accountsChanged", "botAdded", "botChanged", "channelArchive", "channelCreated",
			"channelDeleted", "channelHistoryChanged", "channelJoined", "channelLeft", "channelMarked", "channelRename", "channelUnarchive",
			"commandsChanged", "dndUpdated", "dndUpdatedUser", "emailDomainChanged", "emojiRemoved", "emojiAdded", "fileChange",
			"fileCommentAdded", "fileCommentDeleted", "fileCommentEdited", "fileCreated", "fileDeleted", "filePublic", "fileShared",
			"fileUnshared", "goodbye", "groupArchive", "groupClose", "groupHistoryChanged", "groupJoined", "groupLeft", "groupMarked",
			"groupOpen", "groupRename", "groupUnarchive", "imClose", "imCreated", "imMarked", "imOpen", "manualPresenceChange",
			"memberJoinedChannel", "message"},
	},
}, {
	name:     "websocket-gemini",
	channels: map[string]string{"/v1/marketdata/{symbol}": "/v1/marketdata/{symbol}"},
	actions:  map[string]string{"/v1/marketdata/{symbol}.subscribe": "send"},
	messages: map[string][]string{"/v1/marketdata/{symbol}.subscribe": {"marketData"}},
}}

// TestConvert2PublicDocs converts the public documents and checks their
// channels, operations and messages, that each operation's messages reach
// a payload, that converting twice gives the same bytes and notes and
// leaves the input alone, and that the result is the one in
// converted.json and notes.txt.
func TestConvert2PublicDocs(t *testing.T) {
	for _, d := range v2Docs {
		t.Run(d.name, func(t *testing.T) {
			path := filepath.Join("testdata", "v2", d.name, d.name+".yml")
			in, out, notes := convert2File(t, path)
			before := jsonOf(t, in)

			if got := out.Get("asyncapi").Str(); got != "3.0.0" {
				t.Errorf("asyncapi %q", got)
			}
			chans := map[string]string{}
			for i, id := range out.Get("channels").Keys {
				chans[id] = out.Get("channels").Values[i].Get("address").Str()
			}
			if diff := cmp.Diff(d.channels, chans); diff != "" {
				t.Errorf("channels (-want +got):\n%s", diff)
			}
			actions, messages := map[string]string{}, map[string][]string{}
			ops := out.Get("operations")
			for i, id := range ops.Keys {
				op := ops.Values[i]
				actions[id] = op.Get("action").Str()
				ch := resolveLocal(t, out, op.Get("channel"))
				for _, ref := range op.Get("messages").Items {
					r := ref.Get("$ref").Str()
					key := r[strings.LastIndex(r, "/")+1:]
					if !strings.HasPrefix(r, "#"+ch.Loc.Pointer+"/messages/") || ch.Get("messages").Get(v2Unescape(key)) == nil {
						t.Errorf("operation %s: message %s is not in its channel %s", id, r, ch.Loc.Pointer)
					}
					messages[id] = append(messages[id], v2Unescape(key))
					checkPayload(t, out, id, ref)
				}
			}
			if diff := cmp.Diff(d.actions, actions); diff != "" {
				t.Errorf("operation actions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(d.messages, messages); diff != "" {
				t.Errorf("operation messages (-want +got):\n%s", diff)
			}
			checkTree(t, out, path)

			_, again, notesAgain := convert2File(t, path)
			if jsonOf(t, again) != jsonOf(t, out) || !slices.Equal(notes, notesAgain) {
				t.Error("converting twice gives different results")
			}
			if jsonOf(t, in) != before {
				t.Error("Convert2 changed its input")
			}
			if _, _, err := Convert2(out); err == nil {
				t.Error("a converted document converts again")
			}

			var buf bytes.Buffer
			if err := json.Indent(&buf, []byte(jsonOf(t, out)), "", "  "); err != nil {
				t.Fatal(err)
			}
			buf.WriteByte('\n')
			golden(t, filepath.Join("testdata", "v2", d.name, "converted.json"), buf.Bytes())
			golden(t, filepath.Join("testdata", "v2", d.name, "notes.txt"), []byte(strings.Join(append(notes, ""), "\n")))
		})
	}
}

// resolveLocal follows local $refs from n in doc.
func resolveLocal(t *testing.T, doc, n *Node) *Node {
	t.Helper()
	for hops := 0; n != nil && n.Get("$ref") != nil; hops++ {
		r := n.Get("$ref").Str()
		if hops > 32 || !strings.HasPrefix(r, "#") {
			t.Fatalf("%s: $ref %q does not lead to a local node", n.Loc, r)
		}
		if n = doc.Lookup(r[1:]); n == nil {
			t.Fatalf("$ref %q leads nowhere", r)
		}
	}
	return n
}

// checkPayload wants the message ref names to reach a payload schema.
func checkPayload(t *testing.T, doc *Node, op string, ref *Node) {
	t.Helper()
	msg := resolveLocal(t, doc, ref)
	p := msg.Get("payload")
	if p == nil {
		t.Errorf("operation %s: message %s has no payload", op, ref.Get("$ref").Str())
		return
	}
	p = resolveLocal(t, doc, p)
	if p.Get("schemaFormat") != nil {
		p = resolveLocal(t, doc, p.Get("schema"))
	}
	if p == nil || (p.Kind == Mapping && len(p.Keys) == 0) {
		t.Errorf("operation %s: message %s: empty payload", op, ref.Get("$ref").Str())
	}
}

// golden compares got with the file at path, or writes it with
// -update-v2.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *updateV2 {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./gen/spec -run Convert2PublicDocs -update-v2)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s (-want +got):\n%s", path, d)
	}
}

// FuzzConvert2 converts arbitrary documents that load: no panic, and a
// result whose nodes all sit at their Loc.Pointer.
func FuzzConvert2(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "v2", "*", "*.yml"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(v2Head + "channels: {a: {publish: {message: {oneOf: [{$ref: '#/x'}, {payload: {}}]}}}}"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 64<<10 {
			t.Skip()
		}
		path := filepath.Join(dir, "doc.yaml")
		if err := os.WriteFile(path, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		in, err := NewLoader().File(path)
		if err != nil || !IsV2(in) {
			return
		}
		out, _, err := Convert2(in)
		if err != nil {
			return
		}
		checkTree(t, out, "doc.yaml")
	})
}

// TestConvert2SurvivesMangledDocuments replaces random nodes of the public
// documents with values of the wrong kind, dangling $refs and $refs to
// other files: Convert2 fails cleanly or returns a sound tree.
func TestConvert2SurvivesMangledDocuments(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 2))
	replacements := []func(at Loc) *Node{
		func(at Loc) *Node { return &Node{Kind: ScalarKind, Scalar: "x", Text: "x", Loc: at} },
		func(at Loc) *Node { return &Node{Kind: ScalarKind, Loc: at} },
		func(at Loc) *Node { return &Node{Kind: ScalarKind, Scalar: int64(7), Text: "7", Loc: at} },
		func(at Loc) *Node { return &Node{Kind: Mapping, Loc: at} },
		func(at Loc) *Node { return &Node{Kind: Sequence, Loc: at} },
		func(at Loc) *Node {
			return &Node{Kind: Sequence, Loc: at, Items: []*Node{{Kind: ScalarKind, Scalar: "s", Text: "s", Loc: at}}}
		},
		func(at Loc) *Node {
			ref := []string{"#/components/messages/none", "other.yaml#/x", "#/channels", "#", "#/components/messageBindings/streamingHeaders", "#/components/operationTraits/mqtt"}[rng.IntN(6)]
			return &Node{Kind: Mapping, Loc: at, Keys: []string{"$ref"}, Values: []*Node{{Kind: ScalarKind, Scalar: ref, Text: ref, Loc: at}}}
		},
	}
	for _, d := range v2Docs {
		path := filepath.Join("testdata", "v2", d.name, d.name+".yml")
		orig, err := NewLoader().File(path)
		if err != nil {
			t.Fatal(err)
		}
		for range 150 {
			in := cloneNode(orig)
			var all []*Node
			var walk func(n *Node)
			walk = func(n *Node) {
				all = append(all, n)
				for _, v := range n.Values {
					walk(v)
				}
				for _, it := range n.Items {
					walk(it)
				}
			}
			walk(in)
			for range 1 + rng.IntN(3) {
				n := all[1+rng.IntN(len(all)-1)]
				*n = *replacements[rng.IntN(len(replacements))](n.Loc)
			}
			out, _, err := Convert2(in)
			if err != nil {
				if !strings.Contains(err.Error(), path+":") {
					t.Errorf("error without a position: %v", err)
				}
				continue
			}
			checkTree(t, out, path)
		}
	}
}

func cloneNode(n *Node) *Node {
	c := *n
	c.Keys = slices.Clone(n.Keys)
	c.Values = make([]*Node, len(n.Values))
	for i, v := range n.Values {
		c.Values[i] = cloneNode(v)
	}
	c.Items = make([]*Node, len(n.Items))
	for i, it := range n.Items {
		c.Items[i] = cloneNode(it)
	}
	return &c
}
