//! `#[derive(Xdr)]`: generates `oxvirt_xdr::Encode` and `oxvirt_xdr::Decode` together.
//!
//! What it expands, in declaration order (XDR has no field names or tags):
//!
//! * structs with named fields, tuple/newtype structs, unit structs (`void`);
//! * fieldless enums (XDR `enum`): encoded as the `i32` of each variant's discriminant,
//!   unknown values fail to decode;
//! * enums whose variants carry `#[xdr(discriminant = N)]` (XDR `union switch (int)`):
//!   an `i32` discriminant, then the arm's fields (a unit variant is a `void` arm).
//!
//! Field attributes (also allowed on the fields of union arms):
//!
//! * `#[xdr(max = EXPR)]` — the bound of a `Vec<T>` (required), a `String`, or the same
//!   inside an `Option`;
//! * `#[xdr(opaque)]` — `[u8; N]` is `opaque x[N]`, and with a `max`, `Vec<u8>` is
//!   `opaque x<MAX>`. A `[u8; N]` or `Vec<u8>` without it is refused, so that a UUID can
//!   never silently be encoded as 16 words.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::{
    Data, DeriveInput, Expr, Field, Fields, GenericArgument, Ident, PathArguments, Type,
    parse_macro_input, spanned::Spanned,
};

/// Derives `oxvirt_xdr::Encode` and `oxvirt_xdr::Decode`. See the crate docs.
#[proc_macro_derive(Xdr, attributes(xdr))]
pub fn derive_xdr(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// `#[xdr(...)]` on a field.
#[derive(Default)]
struct FieldAttrs {
    max: Option<Expr>,
    opaque: bool,
}

fn field_attrs(attrs: &[syn::Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("xdr")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("max") {
                out.max = Some(meta.value()?.parse()?);
                Ok(())
            } else if meta.path.is_ident("opaque") {
                out.opaque = true;
                Ok(())
            } else {
                Err(meta.error("expected `max = N` or `opaque`"))
            }
        })?;
    }
    Ok(out)
}

/// `#[xdr(discriminant = N)]` on a variant.
fn variant_discriminant(attrs: &[syn::Attribute]) -> syn::Result<Option<Expr>> {
    let mut out = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("xdr")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("discriminant") {
                out = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error("expected `discriminant = N`"))
            }
        })?;
    }
    Ok(out)
}

/// The single generic argument of `Name<T>` if `ty` is a path ending in `Name`.
fn generic_arg<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let seg = p.path.segments.last()?;
    if seg.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(t)) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

fn is_ident_type(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}

/// How one field is written and read.
enum Codec<'a> {
    /// Through the type's own `Encode`/`Decode`.
    Trait(&'a Type),
    /// `string<max>`.
    String(&'a Expr),
    /// `T x<max>`.
    Array(&'a Expr),
    /// `opaque x<max>`.
    Opaque(&'a Expr),
    /// `opaque x[N]` (the type is `[u8; N]` or an alias of it).
    FixedOpaque(&'a Type),
    /// `T *x` whose `T` needs an attribute.
    Option(Box<Codec<'a>>),
}

fn codec<'a>(ty: &'a Type, attrs: &'a FieldAttrs, span: Span) -> syn::Result<Codec<'a>> {
    let err = |msg: &str| Err(syn::Error::new(span, msg));
    if let Some(inner) = generic_arg(ty, "Vec") {
        let Some(max) = &attrs.max else {
            return err("XDR variable arrays need a bound: add #[xdr(max = N)]");
        };
        return if attrs.opaque {
            if is_ident_type(inner, "u8") {
                Ok(Codec::Opaque(max))
            } else {
                err("#[xdr(opaque)] applies to Vec<u8> and [u8; N] only")
            }
        } else if is_ident_type(inner, "u8") {
            err("Vec<u8> needs #[xdr(opaque)] (opaque x<MAX>); use Vec<i8> for char x<MAX>")
        } else {
            Ok(Codec::Array(max))
        };
    }
    if let Type::Array(arr) = ty {
        let byte = is_ident_type(&arr.elem, "u8");
        if attrs.max.is_some() {
            return err("fixed arrays take no #[xdr(max)]");
        }
        return match (attrs.opaque, byte) {
            (true, true) => Ok(Codec::FixedOpaque(ty)),
            (true, false) => err("#[xdr(opaque)] applies to Vec<u8> and [u8; N] only"),
            (false, true) => {
                err("[u8; N] needs #[xdr(opaque)] (opaque x[N]); use [i8; N] for char x[N]")
            }
            (false, false) => Ok(Codec::Trait(ty)),
        };
    }
    if attrs.max.is_none() && !attrs.opaque {
        return Ok(Codec::Trait(ty));
    }
    if let Some(inner) = generic_arg(ty, "Option") {
        return Ok(Codec::Option(Box::new(codec(inner, attrs, span)?)));
    }
    if let Some(max) = &attrs.max
        && is_ident_type(ty, "String")
        && !attrs.opaque
    {
        return Ok(Codec::String(max));
    }
    if attrs.opaque && attrs.max.is_none() && generic_arg(ty, "Vec").is_none() {
        // An alias such as `Uuid = [u8; 16]`; a wrong type fails to type-check.
        return Ok(Codec::FixedOpaque(ty));
    }
    err(
        "#[xdr(max)] applies to Vec, String and Option of those; #[xdr(opaque)] to Vec<u8> and [u8; N]",
    )
}

/// Statements writing `value` (an expression of type `&T`) to `__enc`.
fn encode_with(c: &Codec<'_>, value: &TokenStream) -> TokenStream {
    let x = quote!(::oxvirt_xdr);
    match c {
        Codec::Trait(_) => quote!(#x::Encode::encode(#value, __enc)?;),
        Codec::String(max) => quote!(#x::encode_string(#value, (#max) as u32, __enc)?;),
        Codec::Array(max) => quote!(#x::encode_array(#value, (#max) as u32, __enc)?;),
        Codec::Opaque(max) => quote!(#x::encode_opaque(#value, (#max) as u32, __enc)?;),
        Codec::FixedOpaque(_) => quote!(#x::encode_fixed_opaque(&(#value)[..], __enc)?;),
        Codec::Option(inner) => {
            let inner = encode_with(inner, &quote!(__v));
            quote! {
                match #value {
                    ::core::option::Option::Some(__v) => {
                        __enc.put_u32(1);
                        #inner
                    }
                    ::core::option::Option::None => __enc.put_u32(0),
                }
            }
        }
    }
}

/// An expression reading one value from `__dec` (uses `?`).
fn decode_with(c: &Codec<'_>) -> TokenStream {
    let x = quote!(::oxvirt_xdr);
    match c {
        Codec::Trait(ty) => quote!(<#ty as #x::Decode>::decode(__dec)?),
        Codec::String(max) => quote!(#x::decode_string(__dec, (#max) as u32)?),
        Codec::Array(max) => quote!(#x::decode_array(__dec, (#max) as u32)?),
        Codec::Opaque(max) => quote!(#x::decode_opaque(__dec, (#max) as u32)?),
        Codec::FixedOpaque(_) => quote!(#x::decode_fixed_opaque(__dec)?),
        Codec::Option(inner) => {
            let inner = decode_with(inner);
            quote! {
                if __dec.get_u32()? != 0 {
                    ::core::option::Option::Some(#inner)
                } else {
                    ::core::option::Option::None
                }
            }
        }
    }
}

/// The fewest bytes the field can occupy.
fn wire_min(c: &Codec<'_>) -> TokenStream {
    match c {
        Codec::Trait(ty) => quote!(<#ty as ::oxvirt_xdr::Decode>::WIRE_MIN),
        Codec::FixedOpaque(ty) => {
            quote!(::oxvirt_xdr::padded_len(::core::mem::size_of::<#ty>()))
        }
        _ => quote!(4usize),
    }
}

/// A field prepared for code generation.
struct Prepared<'a> {
    binding: Ident,
    member: TokenStream,
    codec: Codec<'a>,
}

fn prepare<'a>(fields: &'a Fields, attrs: &'a [FieldAttrs]) -> syn::Result<Vec<Prepared<'a>>> {
    fields
        .iter()
        .zip(attrs)
        .enumerate()
        .map(|(i, (f, a)): (usize, (&'a Field, &'a FieldAttrs))| {
            let (binding, member) = match &f.ident {
                Some(id) => (format_ident!("__f_{}", id), quote!(#id)),
                None => {
                    let idx = syn::Index::from(i);
                    (format_ident!("__f{}", i), quote!(#idx))
                }
            };
            Ok(Prepared {
                binding,
                member,
                codec: codec(&f.ty, a, f.ty.span())?,
            })
        })
        .collect()
}

fn all_field_attrs(fields: &Fields) -> syn::Result<Vec<FieldAttrs>> {
    fields.iter().map(|f| field_attrs(&f.attrs)).collect()
}

/// `Self { a: …, b: … }`, `Self(…)` or `Self` built from decode expressions.
fn construct(path: TokenStream, fields: &Fields, prepared: &[Prepared<'_>]) -> TokenStream {
    let values = prepared.iter().map(|p| decode_with(&p.codec));
    match fields {
        Fields::Named(_) => {
            let names = prepared.iter().map(|p| &p.member);
            quote!(#path { #(#names: #values),* })
        }
        Fields::Unnamed(_) => quote!(#path( #(#values),* )),
        Fields::Unit => path,
    }
}

/// A pattern binding every field of `path` to its `binding` ident.
fn destructure(path: TokenStream, fields: &Fields, prepared: &[Prepared<'_>]) -> TokenStream {
    let bindings = prepared.iter().map(|p| &p.binding);
    match fields {
        Fields::Named(_) => {
            let names = prepared.iter().map(|p| &p.member);
            quote!(#path { #(#names: #bindings),* })
        }
        Fields::Unnamed(_) => quote!(#path( #(#bindings),* )),
        Fields::Unit => path,
    }
}

fn sum_wire_min(prepared: &[Prepared<'_>]) -> TokenStream {
    let mins = prepared.iter().map(|p| wire_min(&p.codec));
    quote!(0usize #(+ #mins)*)
}

struct Bodies {
    encode: TokenStream,
    decode: TokenStream,
    wire_min: TokenStream,
}

fn expand_struct(fields: &Fields) -> syn::Result<Bodies> {
    let attrs = all_field_attrs(fields)?;
    let prepared = prepare(fields, &attrs)?;
    let pattern = destructure(quote!(Self), fields, &prepared);
    let writes = prepared
        .iter()
        .map(|p| encode_with(&p.codec, &p.binding.to_token_stream()));
    let value = construct(quote!(Self), fields, &prepared);
    Ok(Bodies {
        encode: quote! {
            let #pattern = self;
            #(#writes)*
            ::core::result::Result::Ok(())
        },
        decode: quote!(::core::result::Result::Ok(#value)),
        wire_min: sum_wire_min(&prepared),
    })
}

fn expand_enum(name: &Ident, data: &syn::DataEnum) -> syn::Result<Bodies> {
    let discs = data
        .variants
        .iter()
        .map(|v| variant_discriminant(&v.attrs))
        .collect::<syn::Result<Vec<_>>>()?;
    let is_union = discs.iter().any(Option::is_some);
    let unknown = quote! {
        ::core::result::Result::Err(::oxvirt_xdr::XdrError::UnknownDiscriminant {
            type_name: ::core::stringify!(#name),
            value: __d,
        })
    };

    if !is_union {
        if let Some(v) = data
            .variants
            .iter()
            .find(|v| !matches!(v.fields, Fields::Unit))
        {
            return Err(syn::Error::new(
                v.span(),
                "union arms need #[xdr(discriminant = N)] on every variant",
            ));
        }
        let idents: Vec<_> = data.variants.iter().map(|v| &v.ident).collect();
        return Ok(Bodies {
            encode: quote! {
                let __d: i32 = match self { #(Self::#idents => Self::#idents as i32),* };
                __enc.put_i32(__d);
                ::core::result::Result::Ok(())
            },
            decode: quote! {
                let __d = __dec.get_i32()?;
                #(if __d == Self::#idents as i32 { return ::core::result::Result::Ok(Self::#idents); })*
                #unknown
            },
            wire_min: quote!(4usize),
        });
    }

    let mut enc_arms = Vec::new();
    let mut dec_arms = Vec::new();
    for (v, disc) in data.variants.iter().zip(&discs) {
        let Some(disc) = disc else {
            return Err(syn::Error::new(
                v.span(),
                "every union arm needs #[xdr(discriminant = N)]",
            ));
        };
        let attrs = all_field_attrs(&v.fields)?;
        let prepared = prepare(&v.fields, &attrs)?;
        let ident = &v.ident;
        let pattern = destructure(quote!(Self::#ident), &v.fields, &prepared);
        let writes = prepared
            .iter()
            .map(|p| encode_with(&p.codec, &p.binding.to_token_stream()));
        enc_arms.push(quote! {
            #pattern => {
                __enc.put_i32((#disc) as i32);
                #(#writes)*
            }
        });
        let value = construct(quote!(Self::#ident), &v.fields, &prepared);
        dec_arms.push(quote! {
            if __d == (#disc) as i32 {
                return ::core::result::Result::Ok(#value);
            }
        });
    }
    Ok(Bodies {
        encode: quote! {
            match self { #(#enc_arms)* }
            ::core::result::Result::Ok(())
        },
        decode: quote! {
            let __d = __dec.get_i32()?;
            #(#dec_arms)*
            #unknown
        },
        wire_min: quote!(4usize),
    })
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let name = &input.ident;
    let bodies = match &input.data {
        Data::Struct(s) => expand_struct(&s.fields)?,
        Data::Enum(e) => expand_enum(name, e)?,
        Data::Union(u) => {
            return Err(syn::Error::new(
                u.union_token.span,
                "Xdr cannot be derived for Rust unions; use an enum with #[xdr(discriminant)] arms",
            ));
        }
    };

    let mut enc_generics = input.generics.clone();
    let mut dec_generics = input.generics.clone();
    for p in enc_generics.type_params_mut() {
        p.bounds.push(syn::parse_quote!(::oxvirt_xdr::Encode));
    }
    for p in dec_generics.type_params_mut() {
        p.bounds.push(syn::parse_quote!(::oxvirt_xdr::Decode));
    }
    let (enc_impl, ty_generics, enc_where) = enc_generics.split_for_impl();
    let (dec_impl, _, dec_where) = dec_generics.split_for_impl();
    let Bodies {
        encode,
        decode,
        wire_min,
    } = bodies;

    Ok(quote! {
        #[automatically_derived]
        impl #enc_impl ::oxvirt_xdr::Encode for #name #ty_generics #enc_where {
            #[allow(unused_variables, clippy::needless_borrow)]
            fn encode(
                &self,
                __enc: &mut ::oxvirt_xdr::Encoder,
            ) -> ::core::result::Result<(), ::oxvirt_xdr::XdrError> {
                #encode
            }
        }

        #[automatically_derived]
        impl #dec_impl ::oxvirt_xdr::Decode for #name #ty_generics #dec_where {
            const WIRE_MIN: usize = #wire_min;

            #[allow(unused_variables)]
            fn decode(
                __dec: &mut ::oxvirt_xdr::Decoder<'_>,
            ) -> ::core::result::Result<Self, ::oxvirt_xdr::XdrError> {
                #decode
            }
        }
    })
}
