function f(n)
    return sum(1:n)
end
# trailing
