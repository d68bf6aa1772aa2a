package ir

import "testing"

func TestGoNameFollowsGoInitialismsAndBoundaries(t *testing.T) {
	cases := map[string]string{
		"token_type":             "TokenType",
		"__typename":             "Typename",
		"thumbnailUrl":           "ThumbnailURL",
		"channel.chatbot.status": "ChannelChatbotStatus",
		"queue.add":              "QueueAdd",
		"_id":                    "ID",
		"client_id":              "ClientID",
		"ChatTCValueAdd":         "ChatTCValueAdd",
		"HTTPServer":             "HTTPServer",
		"sha256Hash":             "Sha256Hash",
		"ICE_CREAM":              "IceCream",
		"VERIFIED_PARTNER":       "VerifiedPartner",
		"refund-entry":           "RefundEntry",
		"0":                      "N0",
		"TBD":                    "Tbd",
		"msgId":                  "MsgID",
	}
	for in, want := range cases {
		if got := GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
}
