package syntax

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// token is the kind of a lexical token.
type token uint8

const (
	tEOF token = iota
	tIdent
	tIntLit

	// Punctuation and operators.
	tArrow   // ->
	tDot     // .
	tColon   // :
	tComma   // ,
	tSemi    // ;
	tAssign  // =
	tLBrace  // {
	tRBrace  // }
	tLParen  // (
	tRParen  // )
	tPlus    // +
	tMinus   // -
	tStar    // *
	tSlash   // /
	tPercent // %
	tLt      // <
	tLe      // <=
	tGt      // >
	tGe      // >=
	tEq      // ==
	tNe      // !=
	tAnd     // &&
	tOr      // ||

	// Keywords.
	keywordBeg
	tProtocol
	tService
	tThread
	tUpdate
	tFun
	tMain
	tLet
	tIn
	tIf
	tThen
	tElse
	tRequest
	tAccept
	tSend
	tReceive
	tSelect
	tCase
	tChoose
	tTrue
	tFalse
	tNot
	tMu
	tEnd
	tKwInt
	tKwBool
	tKwUnit
	keywordEnd
)

var tokenText = [...]string{
	tEOF:     "end of file",
	tIdent:   "identifier",
	tIntLit:  "integer",
	tArrow:   "->",
	tDot:     ".",
	tColon:   ":",
	tComma:   ",",
	tSemi:    ";",
	tAssign:  "=",
	tLBrace:  "{",
	tRBrace:  "}",
	tLParen:  "(",
	tRParen:  ")",
	tPlus:    "+",
	tMinus:   "-",
	tStar:    "*",
	tSlash:   "/",
	tPercent: "%",
	tLt:      "<",
	tLe:      "<=",
	tGt:      ">",
	tGe:      ">=",
	tEq:      "==",
	tNe:      "!=",
	tAnd:     "&&",
	tOr:      "||",

	tProtocol: "protocol",
	tService:  "service",
	tThread:   "thread",
	tUpdate:   "update",
	tFun:      "fun",
	tMain:     "main",
	tLet:      "let",
	tIn:       "in",
	tIf:       "if",
	tThen:     "then",
	tElse:     "else",
	tRequest:  "request",
	tAccept:   "accept",
	tSend:     "send",
	tReceive:  "receive",
	tSelect:   "select",
	tCase:     "case",
	tChoose:   "choose",
	tTrue:     "true",
	tFalse:    "false",
	tNot:      "not",
	tMu:       "mu",
	tEnd:      "end",
	tKwInt:    "int",
	tKwBool:   "bool",
	tKwUnit:   "unit",
}

func (t token) String() string {
	if int(t) < len(tokenText) && tokenText[t] != "" {
		return tokenText[t]
	}
	return "token(" + strconv.Itoa(int(t)) + ")"
}

func (t token) isKeyword() bool { return keywordBeg < t && t < keywordEnd }

var keywords = func() map[string]token {
	m := make(map[string]token)
	for t := keywordBeg + 1; t < keywordEnd; t++ {
		m[tokenText[t]] = t
	}
	return m
}()

// IsKeyword reports whether name is a reserved word of the model language
// (and so cannot be used as a name).
func IsKeyword(name string) bool {
	_, ok := keywords[name]
	return ok
}

// binOps maps operator tokens to binary operators.
var binOps = [...]BinOp{
	tPlus: OpAdd, tMinus: OpSub, tStar: OpMul, tSlash: OpDiv, tPercent: OpMod,
	tLt: OpLt, tLe: OpLe, tGt: OpGt, tGe: OpGe, tEq: OpEq, tNe: OpNe,
	tAnd: OpAnd, tOr: OpOr,
}

func (t token) binOp() BinOp {
	if int(t) < len(binOps) {
		return binOps[t]
	}
	return 0
}

// Comment is a `#` or `//` comment, which runs to the end of its line.
type Comment struct {
	Pos  Pos
	Text string // from the leading # or // on, without the newline or trailing blanks
	// Anchor is the position of the declaration, update member, function or
	// main expression the comment precedes or lies in, or of the step of a
	// body it precedes (the parser's anchorSteps); the printer puts the
	// comment on its own line just before it. The zero Anchor means the
	// comment comes after everything else in the file.
	Anchor Pos
	// Trailing: the comment is on the line of its unit's last token, after
	// it; the printer puts it at the end of the unit's last line instead.
	Trailing bool
	// Closing: the comment lies between a braced unit's last member (a
	// thread's, an update's or an update's thread's) and its closing '}';
	// the printer puts it there, on its own line.
	Closing bool
	// AfterCode: code precedes the comment on its line.
	AfterCode bool
	// EndOfLine: the comment lies before a step of a body, after code on its
	// line (the parser's anchorSteps); the first such comment of a step
	// stays at the end of the line before the step.
	EndOfLine bool
	// BlankAfter: the line after the comment's is blank. Before a step of a
	// body the printer keeps that blank line (and adds none).
	BlankAfter bool
}

// tokInfo is one scanned token.
type tokInfo struct {
	tok token
	pos Pos
	lit string // identifier name, or integer literal text
	val int64  // integer value
	end Pos    // just after the token
}

// scanner turns source bytes into tokens. Whitespace and comments are
// skipped; comments are recorded. Illegal characters are reported and
// skipped, so the parser never sees them.
type scanner struct {
	src       []byte
	off       int // offset of the next unread byte
	line      int // line of src[off]
	lineStart int // offset of the first byte of line

	errh     func(pos Pos, format string, args ...any) // nil while peeking
	comments []*Comment
}

func (s *scanner) init(src []byte, errh func(Pos, string, ...any)) {
	s.src = src
	s.line = 1
	s.errh = errh
	// A byte order mark at the very start is ignored, as Go does.
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		s.off = 3
		s.lineStart = 3
	}
}

func (s *scanner) posAt(off int) Pos {
	return Pos{Line: int32(s.line), Col: int32(off - s.lineStart + 1)}
}

func (s *scanner) error(off int, format string, args ...any) {
	if s.errh != nil {
		s.errh(s.posAt(off), format, args...)
	}
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// describeRune names a character for an error message: printable ASCII
// quoted, everything else as a code point.
func describeRune(r rune) string {
	switch {
	case r == 0:
		return "NUL (U+0000)"
	case r == utf8.RuneError:
		return "U+FFFD"
	case r == '\uFEFF':
		return "byte order mark (U+FEFF)"
	case r < utf8.RuneSelf && unicode.IsPrint(r):
		return strconv.QuoteRune(r)
	case unicode.IsPrint(r):
		return fmt.Sprintf("%U %s", r, strconv.QuoteRune(r))
	}
	return fmt.Sprintf("%U", r)
}

// checkText reports NUL bytes and invalid UTF-8 in src[from:to] (a comment).
func (s *scanner) checkText(from, to int) {
	for i := from; i < to; {
		c := s.src[i]
		if c < utf8.RuneSelf {
			if c == 0 {
				s.error(i, "illegal character NUL (U+0000) in comment")
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(s.src[i:to])
		if r == utf8.RuneError && n == 1 {
			s.error(i, "invalid UTF-8 encoding (byte 0x%02x) in comment", c)
		} else if r == '\uFEFF' {
			s.error(i, "illegal byte order mark in comment")
		}
		i += n
	}
}

// scan scans the next token into t.
func (s *scanner) scan(t *tokInfo) {
	s.scan0(t)
	t.end = s.posAt(s.off)
}

func (s *scanner) scan0(t *tokInfo) {
	for {
		// Skip white space.
		for s.off < len(s.src) {
			c := s.src[s.off]
			if c == ' ' || c == '\t' || c == '\r' {
				s.off++
			} else if c == '\n' {
				s.off++
				s.line++
				s.lineStart = s.off
			} else {
				break
			}
		}
		start := s.off
		pos := s.posAt(start)
		*t = tokInfo{pos: pos}
		if start >= len(s.src) {
			t.tok = tEOF
			return
		}
		c := s.src[start]
		switch {
		case isLetter(c):
			end := start + 1
			for end < len(s.src) && (isLetter(s.src[end]) || isDigit(s.src[end])) {
				end++
			}
			s.off = end
			word := s.src[start:end]
			if n := len(word); n >= 2 && n <= 8 && 'a' <= word[0] && word[0] <= 'z' {
				if kw, ok := keywords[string(word)]; ok { // no allocation
					t.tok = kw
					return
				}
			}
			t.tok, t.lit = tIdent, string(word)
			return
		case isDigit(c):
			if s.number(start, t) {
				return
			}
			continue
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(s.src[start:])
			if r == utf8.RuneError && n == 1 {
				s.error(start, "invalid UTF-8 encoding (byte 0x%02x)", c)
			} else if unicode.IsLetter(r) {
				s.error(start, "illegal character %s: names are ASCII letters, digits and '_'", describeRune(r))
			} else {
				s.error(start, "illegal character %s", describeRune(r))
			}
			s.off += n
			continue
		}
		s.off++
		next := byte(0)
		if s.off < len(s.src) {
			next = s.src[s.off]
		}
		switch c {
		case '#':
			s.comment(start)
			continue
		case '/':
			if next == '/' {
				s.comment(start)
				continue
			}
			t.tok = tSlash
			return
		case '-':
			if next == '>' {
				s.off++
				t.tok = tArrow
				return
			}
			t.tok = tMinus
			return
		case '.':
			t.tok = tDot
			return
		case ':':
			t.tok = tColon
			return
		case ',':
			t.tok = tComma
			return
		case ';':
			t.tok = tSemi
			return
		case '{':
			t.tok = tLBrace
			return
		case '}':
			t.tok = tRBrace
			return
		case '(':
			t.tok = tLParen
			return
		case ')':
			t.tok = tRParen
			return
		case '+':
			t.tok = tPlus
			return
		case '*':
			t.tok = tStar
			return
		case '%':
			t.tok = tPercent
			return
		case '<':
			if next == '=' {
				s.off++
				t.tok = tLe
				return
			}
			t.tok = tLt
			return
		case '>':
			if next == '=' {
				s.off++
				t.tok = tGe
				return
			}
			t.tok = tGt
			return
		case '=':
			if next == '=' {
				s.off++
				t.tok = tEq
				return
			}
			t.tok = tAssign
			return
		case '!':
			if next == '=' {
				s.off++
				t.tok = tNe
				return
			}
			s.error(start, "illegal character '!' (negation is 'not'; inequality is '!=')")
		case '&':
			if next == '&' {
				s.off++
				t.tok = tAnd
				return
			}
			s.error(start, "illegal character '&' (did you mean '&&'?)")
		case '|':
			if next == '|' {
				s.off++
				t.tok = tOr
				return
			}
			s.error(start, "illegal character '|' (did you mean '||'? branches and choices are separated by ',')")
		default:
			s.error(start, "illegal character %s", describeRune(rune(c)))
		}
	}
}

// comment records the comment starting at src[start] and moves to the end of
// its line.
func (s *scanner) comment(start int) {
	end := start
	for end < len(s.src) && s.src[end] != '\n' {
		end++
	}
	s.checkText(start, end)
	s.off = end
	if s.errh == nil { // peeking
		return
	}
	t := end
	for t > start && (s.src[t-1] == ' ' || s.src[t-1] == '\t' || s.src[t-1] == '\r') {
		t--
	}
	afterCode := len(bytes.TrimSpace(s.src[s.lineStart:start])) > 0
	blankAfter := false
	if end < len(s.src) {
		next := s.src[end+1:]
		if i := bytes.IndexByte(next, '\n'); i >= 0 {
			blankAfter = len(bytes.TrimSpace(next[:i])) == 0
		}
	}
	s.comments = append(s.comments, &Comment{Pos: s.posAt(start), Text: string(s.src[start:t]), AfterCode: afterCode, BlankAfter: blankAfter})
}

// number scans an integer literal into t. A run of digits directly
// followed by letters is one malformed literal, reported and skipped
// (false).
func (s *scanner) number(start int, t *tokInfo) bool {
	end := start
	for end < len(s.src) && isDigit(s.src[end]) {
		end++
	}
	digits := end
	for end < len(s.src) && (isLetter(s.src[end]) || isDigit(s.src[end])) {
		end++
	}
	s.off = end
	if end > digits {
		s.error(start, "malformed integer literal %s", quoteTrunc(string(s.src[start:end])))
		return false
	}
	t.tok, t.lit = tIntLit, string(s.src[start:end])
	var v int64
	for i := start; i < end; i++ {
		d := int64(s.src[i] - '0')
		if v > (1<<63-1-d)/10 {
			s.error(start, "integer literal %s overflows int64 (largest is 9223372036854775807)", truncate(t.lit))
			return true
		}
		v = v*10 + d
	}
	t.val = v
	return true
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

func quoteTrunc(s string) string { return "'" + truncate(s) + "'" }
