package statespace

import (
	"encoding/binary"
	"errors"
)

// Encode appends the canonical encoding of c to buf. Two canonical
// configurations are equal iff their encodings are equal. Display-only
// fields (Config.Created, Instance.Serial) are not encoded.
func (p *Program) Encode(buf []byte, c *Config) []byte {
	flags := byte(0)
	if c.Upd.Introduced {
		flags = 1
	}
	buf = append(buf, flags)
	buf = binary.AppendVarint(buf, int64(c.Upd.Countdown))
	for _, th := range c.Threads {
		buf = encodeThread(buf, th)
	}
	buf = binary.AppendUvarint(buf, uint64(len(c.Insts)))
	for _, in := range c.Insts {
		buf = encodeInstance(buf, in)
	}
	buf = binary.AppendUvarint(buf, uint64(len(c.Queue)))
	for _, ch := range c.Queue {
		buf = encodeChannel(buf, ch)
	}
	return buf
}

// encodeThread appends the encoding of one thread.
func encodeThread(buf []byte, th *Thread) []byte {
	buf = append(buf, threadFlags(th))
	buf = binary.AppendUvarint(buf, uint64(len(th.Frames)))
	for _, f := range th.Frames {
		buf = binary.AppendUvarint(buf, uint64(f.Code))
		buf = binary.AppendUvarint(buf, uint64(f.PC))
		for _, v := range f.Slots {
			buf = appendValue(buf, v)
		}
		buf = binary.AppendUvarint(buf, uint64(len(f.Stack)))
		for _, v := range f.Stack {
			buf = appendValue(buf, v)
		}
	}
	return buf
}

// threadFlags packs a thread's status, heap version and flags in a byte.
func threadFlags(th *Thread) byte {
	b := byte(th.Status) | th.HeapVer<<2
	if th.Participant {
		b |= 1 << 3
	}
	if th.Barrier {
		b |= 1 << 4
	}
	if th.Spin {
		b |= 1 << 5
	}
	return b
}

// endFlags packs an endpoint's versions and flags in a byte.
func endFlags(e *End) byte {
	b := e.Ver | e.NextVer<<1
	if e.Started {
		b |= 1 << 2
	}
	if e.Done {
		b |= 1 << 3
	}
	if e.Untracked {
		b |= 1 << 4
	}
	return b
}

// encodeInstance appends the encoding of one session instance.
func encodeInstance(buf []byte, in *Instance) []byte {
	buf = binary.AppendUvarint(buf, uint64(in.Service))
	buf = binary.AppendUvarint(buf, uint64(len(in.Ends)))
	for _, e := range in.Ends {
		buf = binary.AppendUvarint(buf, uint64(e.Role))
		buf = binary.AppendUvarint(buf, uint64(e.Holder))
		buf = append(buf, endFlags(&e))
		buf = binary.AppendUvarint(buf, uint64(e.State))
		buf = binary.AppendVarint(buf, int64(e.Run))
	}
	buf = binary.AppendVarint(buf, int64(in.N))
	buf = binary.AppendUvarint(buf, uint64(len(in.RunVer)))
	buf = append(buf, in.RunVer...)
	buf = append(buf, in.RunTail)
	return buf
}

// encodeChannel appends the encoding of one channel.
func encodeChannel(buf []byte, ch *Channel) []byte {
	buf = binary.AppendUvarint(buf, uint64(ch.Inst))
	buf = binary.AppendUvarint(buf, uint64(ch.From))
	buf = binary.AppendUvarint(buf, uint64(ch.To))
	buf = binary.AppendUvarint(buf, uint64(len(ch.Msgs)))
	for _, m := range ch.Msgs {
		buf = binary.AppendVarint(buf, int64(m.Label))
		if m.Label < 0 {
			buf = appendValue(buf, m.Val)
		}
	}
	return buf
}

func appendValue(buf []byte, v Value) []byte {
	buf = append(buf, byte(v.K))
	switch v.K {
	case VInt, VEndpoint:
		buf = binary.AppendVarint(buf, v.N)
	case VBool:
		buf[len(buf)-1] |= byte(v.N) << 4
	}
	return buf
}

var errCorrupt = errors.New("statespace: corrupt configuration encoding")

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = errCorrupt
		return 0
	}
	b := d.b[0]
	d.b = d.b[1:]
	return b
}

func (d *decoder) value() Value {
	b := d.byte()
	v := Value{K: Kind(b & 0xf)}
	switch v.K {
	case VInt, VEndpoint:
		v.N = d.varint()
	case VBool:
		v.N = int64(b >> 4)
	}
	return v
}

// Decode rebuilds a configuration from its encoding, allocating its
// threads in a (nil: the heap); see Arena for what that implies.
func (p *Program) Decode(enc []byte, a *Arena) (*Config, error) {
	d := &decoder{b: enc}
	c := a.config()
	c.Upd.Introduced = d.byte() == 1
	c.Upd.Countdown = int32(d.varint())
	c.Threads = a.threadPtrs(len(p.Threads), len(p.Threads))
	for t := range c.Threads {
		th, err := p.decodeThread(d, a)
		if err != nil {
			return nil, err
		}
		c.Threads[t] = th
	}
	ni := d.uvarint()
	if ni > uint64(len(d.b)) {
		return nil, errCorrupt
	}
	c.Insts = a.instPtrs(int(ni), int(ni)+1)
	for i := range c.Insts {
		in, err := decodeInstance(d, a)
		if err != nil {
			return nil, err
		}
		c.Insts[i] = in
	}
	nq := d.uvarint()
	if nq > uint64(len(d.b)) {
		return nil, errCorrupt
	}
	c.Queue = a.chanPtrs(int(nq), int(nq)+1)
	for i := range c.Queue {
		ch, err := decodeChannel(d, a)
		if err != nil {
			return nil, err
		}
		c.Queue[i] = ch
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, errCorrupt
	}
	return c, nil
}

// decodeThread decodes one thread (see encodeThread).
func (p *Program) decodeThread(d *decoder, a *Arena) (*Thread, error) {
	b := d.byte()
	th := a.thread()
	*th = Thread{Status: Status(b & 3), HeapVer: (b >> 2) & 1, Participant: b&(1<<3) != 0, Barrier: b&(1<<4) != 0, Spin: b&(1<<5) != 0}
	nf := d.uvarint()
	if nf > maxFrames+1 {
		return nil, errCorrupt
	}
	th.Frames = a.frameSlice(int(nf), int(nf))
	for i := range th.Frames {
		code := d.uvarint()
		if code >= uint64(len(p.Codes)) {
			return nil, errCorrupt
		}
		f := Frame{Code: int32(code), PC: int32(d.uvarint())}
		f.Slots = a.values(p.Codes[code].NSlots)
		for s := range f.Slots {
			f.Slots[s] = d.value()
		}
		ns := d.uvarint()
		if ns > uint64(len(d.b)) {
			return nil, errCorrupt
		}
		f.Stack = a.values(int(ns))
		for s := range f.Stack {
			f.Stack[s] = d.value()
		}
		th.Frames[i] = f
	}
	return th, d.err
}

// decodeInstance decodes one session instance (see encodeInstance).
func decodeInstance(d *decoder, a *Arena) (*Instance, error) {
	in := a.instance()
	in.Service = int(d.uvarint())
	ne := d.uvarint()
	if ne > uint64(len(d.b)) {
		return nil, errCorrupt
	}
	in.Ends = a.endSlice(int(ne))
	for k := range in.Ends {
		e := End{Role: int(d.uvarint()), Holder: int32(d.uvarint())}
		b := d.byte()
		e.Ver, e.NextVer = b&1, (b>>1)&1
		e.Started, e.Done, e.Untracked = b&(1<<2) != 0, b&(1<<3) != 0, b&(1<<4) != 0
		e.State = int32(d.uvarint())
		e.Run = int32(d.varint())
		in.Ends[k] = e
	}
	in.N = int32(d.varint())
	nr := d.uvarint()
	if nr > uint64(len(d.b)) {
		return nil, errCorrupt
	}
	in.RunVer = a.byteSlice(int(nr))
	copy(in.RunVer, d.b[:nr])
	d.b = d.b[nr:]
	in.RunTail = d.byte()
	return in, d.err
}

// decodeChannel decodes one channel (see encodeChannel).
func decodeChannel(d *decoder, a *Arena) (*Channel, error) {
	ch := a.channel()
	ch.Inst, ch.From, ch.To = int32(d.uvarint()), int32(d.uvarint()), int32(d.uvarint())
	nm := d.uvarint()
	if nm > uint64(len(d.b)) {
		return nil, errCorrupt
	}
	ch.Msgs = a.msgSlice(int(nm), int(nm))
	for k := range ch.Msgs {
		m := Msg{Label: int32(d.varint())}
		if m.Label < 0 {
			m.Val = d.value()
		}
		ch.Msgs[k] = m
	}
	return ch, d.err
}
