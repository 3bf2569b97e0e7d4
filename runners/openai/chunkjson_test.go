package openai

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

var chunkSeeds = []string{
	`{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
	`{"choices":[{"index":0,"delta":{"content":" tok\n\"q\" \u00e9 \ud83d\ude00"},"finish_reason":null}],"model":"m"}`,
	`{"choices":[{"index":0,"delta":{"reasoning_content":"hm","reasoning":{"x":1}}}]}`,
	`{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":1},"completion_tokens_details":{"reasoning_tokens":2}}}`,
	`{"choices":[{"index":0,"text":"x","finish_reason":"length"}]}`,
	`{"error":{"message":"boom","code":500}}`,
	`{"choices":[{"index":0,"message":{"content":"whole","reasoning_content":null}}]}`,
	`{"choices":[{"index":1,"text":"a"},{"index":0,"text":"b"}],"choices":[{"text":"c"}]}`,
	`{"MODEL":"x","Choices":null,"modeſ":"y"}`,
	`{"choices":[null,{"index":1.5}]}`,
	`{"model":5}`, `[1]`, `null`, `"s"`, ``, ` {} `, `{"a":[1,2,{"b":[true,false,null]}],"c":-0.5e+3}`,
	`{"choices":[{"index":0,"delta":{"content":"\x80bad"}}]}`,
	`{"choices":[{"index":01}]}`, `{"a":1,}`, `{"a" 1}`, `{"model":"\ud800"}`, `{"mod\u0065l":"esc"}`,
	`{"choices":[{"index":99999999999999999999}]}`, `{"usage":5}`, `{"usage":null}`, `{"error":null}`,
}

func TestDecodeChunkMatchesEncodingJSON(t *testing.T) {
	for _, s := range chunkSeeds {
		compareDecoders(t, []byte(s))
	}
	deep := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	compareDecoders(t, []byte(`{"x":`+deep+`}`))
	compareDecoders(t, []byte(`{"x":[`+deep+`]}`))
}

func compareDecoders(t *testing.T, data []byte) {
	t.Helper()
	var want, got wireChunk
	errW := json.Unmarshal(data, &want)
	errG := decodeChunk(data, &got)
	if (errW == nil) != (errG == nil) {
		t.Fatalf("%q: encoding/json says %v, decodeChunk says %v", data, errW, errG)
	}
	if errW == nil && !reflect.DeepEqual(want, got) {
		t.Fatalf("%q:\nencoding/json %+v\ndecodeChunk   %+v", data, want, got)
	}
}

func FuzzDecodeChunk(f *testing.F) {
	for _, s := range chunkSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { compareDecoders(t, data) })
}
