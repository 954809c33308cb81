//! Python's float text: `repr(float)` for writing metric values (MLflow writes `str(value)`),
//! and `float(text)` for reading them back.

/// `repr(x)` of a Python float: shortest round-trip digits, positional for 1e-4 <= |x| < 1e16,
/// otherwise `d.ddde±XX`.
pub fn repr(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::with_capacity(24);
    if negative {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    }
    out
}

/// Python's `float(text)`: surrounding whitespace, `nan`/`inf`/`infinity` in any case, and `_`
/// between digits are accepted.
pub fn parse(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.as_bytes().contains(&b'_') {
        let bytes = t.as_bytes();
        let ok = bytes.iter().enumerate().all(|(i, &b)| {
            b != b'_'
                || (i > 0
                    && i + 1 < bytes.len()
                    && bytes[i - 1].is_ascii_digit()
                    && bytes[i + 1].is_ascii_digit())
        });
        return if ok {
            t.replace('_', "").parse().ok()
        } else {
            None
        };
    }
    t.parse().ok()
}

/// Python's `int(text)` for the integer fields of metric lines.
pub fn parse_int(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.contains('_') {
        return parse(t)
            .filter(|f| f.fract() == 0.0 && !t.contains(['.', 'e', 'E']))
            .map(|f| f as i64);
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_repr() {
        let cases = [
            (1e-7, "1e-07"),
            (1e20, "1e+20"),
            (123456789.125, "123456789.125"),
            (-0.0, "-0.0"),
            (5.0, "5.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e300, "1.5e+300"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
            (2.5e-5, "2.5e-05"),
            (123.456, "123.456"),
        ];
        for (v, want) in cases {
            assert_eq!(repr(v), want, "repr of {v:e}");
        }
    }

    #[test]
    fn parses_like_python() {
        assert_eq!(parse(" 1_000.5 "), Some(1000.5));
        assert!(parse("NaN").unwrap().is_nan());
        assert_eq!(parse("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse("1__0"), None);
        assert_eq!(parse("_1"), None);
        assert_eq!(parse_int("12"), Some(12));
        assert_eq!(parse_int("1.5"), None);
    }
}
